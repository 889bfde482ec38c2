// Request bodies are explained in the sentences of @dw/world's one schema translator: a bad request body reads
// like a bad world file or a bad spawn config, pointer for pointer.
import { FaultSpec, schemaProblems, type World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempApp, tempApp } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp;
let worldId: string;
beforeAll(async () => {
  t = await tempApp();
  worldId = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: PAIR_WORLD as World })).json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('request validation', () => {
  it('says what is wrong with a body in the words of the world translator, every problem with its pointer', async () => {
    const body = { kind: 'latency', linkId: 'l1', ms: -5, jitterMs: 'lots', color: 'red' };
    const response = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/faults`, payload: body });
    expect(response.statusCode).toBe(400);
    const { error, problems } = response.json();
    expect(error).toBe('invalid-request');
    expect(problems).toEqual(schemaProblems(FaultSpec, body));
    expect(problems.map((p: { message: string }) => p.message)).toContain('unknown field "color" is not allowed here');
  });
});
