// World bodies are checked by validateWorld from @dw/world (every problem, each with a pointer and a sentence);
// pointers are made relative to the REQUEST BODY, so for PUT { rev, world } they start with /world.
import { type Problem, UpdateWorldBody, validateWorld, World } from '@dw/world';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { HttpProblem } from '../http/errors.js';
import { schemaProblems, typeboxValidatorCompiler } from '../http/validation.js';

function invalidWorld(problems: Problem[]): HttpProblem {
  const first = problems[0];
  const summary = first ? `${first.pointer || '(the body)'}: ${first.message}` : '';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return new HttpProblem(400, 'invalid-world', `the world is not valid: ${summary}${more}`, problems);
}

export function checkWorldBody(body: unknown, base: string): World {
  if (body === undefined || body === null) {
    if (base === '')
      throw new HttpProblem(400, 'invalid-world', 'the request needs a world as its JSON body', [
        { pointer: '', message: 'the body is empty: send a world as JSON' },
      ]);
  }
  const result = validateWorld(body);
  if (!result.ok) throw invalidWorld(result.problems.map((p) => ({ pointer: base + p.pointer, message: p.message })));
  return result.value;
}

export function checkUpdateBody(body: unknown): UpdateWorldBody & { world: World } {
  if (body === undefined || body === null) {
    throw new HttpProblem(
      400,
      'invalid-request',
      'the request needs a JSON body: { "rev": <number>, "world": {...} }',
      [{ pointer: '', message: 'the body is empty' }],
    );
  }
  const problems = schemaProblems(UpdateWorldBody, body);
  if (problems.length > 0) {
    throw new HttpProblem(400, 'invalid-request', 'the body must be { "rev": <number>, "world": {...} }', problems);
  }
  const { rev, world } = body as UpdateWorldBody;
  return { rev, world: checkWorldBody(world, '/world') };
}

/** The validator compiler of the world routes: world bodies by validateWorld, the rest by their TypeBox schema. */
export const worldsValidatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart === 'body' && route.schema === World) {
    return (data: unknown) => {
      try {
        return { value: checkWorldBody(data, '') };
      } catch (error) {
        return { error: error as Error };
      }
    };
  }
  if (route.httpPart === 'body' && route.schema === UpdateWorldBody) {
    return (data: unknown) => {
      try {
        return { value: checkUpdateBody(data) };
      } catch (error) {
        return { error: error as Error };
      }
    };
  }
  return typeboxValidatorCompiler(route);
};
