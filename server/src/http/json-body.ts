// The JSON body parser: says where the syntax error is, accepts an empty body (POST .../deploy has none),
// and refuses keys that could poison prototypes.
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './errors.js';

const POISON = new Set(['__proto__', 'constructor', 'prototype']);

function refusePoison(key: string, value: unknown): unknown {
  if (POISON.has(key)) throw new HttpProblem(400, 'malformed-json', `the key "${key}" is not allowed in a body`);
  return value;
}

/** Parses JSON text; an empty body is `undefined`. Throws an HttpProblem that says what is wrong. */
export function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text, refusePoison);
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new HttpProblem(400, 'malformed-json', `the request body is not valid JSON: ${detail}`);
  }
}

export function installJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
