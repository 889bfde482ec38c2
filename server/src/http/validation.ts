// Request validation with the TypeBox schemas of @dw/world, compiled once per schema. Failures become
// 400 ErrorBody answers whose pointers resolve in the part of the request that was checked, in the sentences of
// @dw/world's schema-problems.ts (the same as a world file's and a spawn config's).
import { type Problem, schemaProblems as translate } from '@dw/world';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { HttpProblem } from './errors.js';

type Checker = ReturnType<typeof Compile>;
const compiled = new WeakMap<TSchema, Checker>();

function checkerFor(schema: TSchema): Checker {
  let checker = compiled.get(schema);
  if (!checker) {
    checker = Compile(schema);
    compiled.set(schema, checker);
  }
  return checker;
}

/**
 * The problems of `value` against `schema`, each with a pointer (prefixed by `base`) and a sentence: the one
 * translator of @dw/world, fed by this schema's compiled checker.
 */
export function schemaProblems(schema: TSchema, value: unknown, base = ''): Problem[] {
  const checker = checkerFor(schema);
  if (checker.Check(value)) return [];
  const problems = translate(schema, value, base, 'value', checker.Errors(value) as Iterable<unknown>);
  return problems.length > 0 ? problems : [{ pointer: base, message: 'does not match the expected shape' }];
}

/** Checks `value`, throwing a 400 invalid-request when it does not match. */
export function assertSchema<T>(schema: TSchema, value: unknown, what: string): T {
  const problems = schemaProblems(schema, value);
  if (problems.length > 0) throw new HttpProblem(400, 'invalid-request', `the ${what} is not valid`, problems);
  return value as T;
}

/** Fastify's validator compiler for every route: TypeBox schemas, no coercion, unknown fields refused. */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const what = httpPart === 'body' ? 'request body' : (httpPart ?? 'request');
  return (data: unknown) => {
    const value = httpPart === 'body' && data === null ? undefined : data;
    const problems = schemaProblems(schema, value);
    if (problems.length === 0) return { value };
    const message =
      value === undefined && httpPart === 'body' ? 'the request needs a JSON body' : `the ${what} is not valid`;
    return { error: new HttpProblem(400, 'invalid-request', message, problems) };
  };
};
