// POST /api/worlds/:id/deploy carries the revision it deploys (409 stale-revision when the world was saved since),
// and the plan the preview shows is the plan the deploy applies, with real processes.
import type { DeployPreview, DeployStatus, ErrorBody, World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp;
beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
});

const call = async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
  const response = await t.app.inject(payload === undefined ? { method, url } : { method, url, payload });
  return { status: response.statusCode, body: response.json() as T };
};
const status = async (id: string) => (await call<DeployStatus>('GET', `/api/worlds/${id}/deploy`)).body;
const allReady = (id: string, rev: number) =>
  waitFor(
    `rev ${rev} of ${id} ready`,
    async () => {
      const s = await status(id);
      return s.rev === rev && s.services.every((x) => x.state === 'ready') ? s : undefined;
    },
    20_000,
  );
const pids = (s: DeployStatus) => Object.fromEntries(s.services.map((x) => [x.id, x.pid]));
const withRps = (rps: number): World => ({
  ...PAIR_WORLD,
  services: PAIR_WORLD.services.map((s) => (s.kind === 'client' ? { ...s, config: { rps } } : s)),
});

describe('deploying a revision', () => {
  it('deploys the revision it names, refuses a stale one with the latest, and applies the plan it previewed', async () => {
    const { id } = (await call<{ id: string }>('POST', '/api/worlds', PAIR_WORLD)).body;
    const first = await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`);
    expect(first.body).toMatchObject({ rev: 1, deployedRev: null, plan: { start: ['callee', 'caller'] } });
    expect(await call('POST', `/api/worlds/${id}/deploy`, { rev: first.body.rev })).toEqual({
      status: 202,
      body: { rev: 1 },
    });
    const one = await allReady(id, 1);

    // saved again after the preview: deploying what was previewed is refused, and says what is latest
    await call('PUT', `/api/worlds/${id}`, { rev: 1, world: withRps(20) });
    const stale = await call<ErrorBody>('POST', `/api/worlds/${id}/deploy`, { rev: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'stale-revision', rev: 2 });
    expect(stale.body.message).toContain('rev 2');
    expect((await status(id)).rev).toBe(1); // nothing was deployed

    const plan = (await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`)).body;
    expect(plan).toMatchObject({ rev: 2, deployedRev: 1, plan: { restart: ['caller'], keep: ['callee'] } });
    expect((await call('POST', `/api/worlds/${id}/deploy`, { rev: plan.rev })).status).toBe(202);
    const two = await allReady(id, 2);
    expect(pids(two).callee).toBe(pids(one).callee); // kept, as planned
    expect(pids(two).caller).not.toBe(pids(one).caller); // restarted, as planned

    // a new leaf lifetime: the preview says every process restarts, and the deploy does restart every one
    await call('PUT', `/api/worlds/${id}`, {
      rev: 2,
      world: { ...withRps(20), settings: { leafLifetimeMinutes: 60 } },
    });
    const replace = (await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`)).body;
    expect(replace).toMatchObject({ rev: 3, plan: { restart: ['callee', 'caller'], keep: [] } });
    expect((await call('POST', `/api/worlds/${id}/deploy`)).body).toEqual({ rev: 3 }); // no body: the latest
    const three = await allReady(id, 3);
    expect(pids(three).callee).not.toBe(pids(two).callee);
    expect(pids(three).caller).not.toBe(pids(two).caller);
    await call('DELETE', `/api/worlds/${id}/deploy`);
  }, 60_000);

  it('says what is wrong with a deploy body, and plans a draft for no revision', async () => {
    const { id } = (await call<{ id: string }>('POST', '/api/worlds', PAIR_WORLD)).body;
    const bad = await call<ErrorBody>('POST', `/api/worlds/${id}/deploy`, { rev: 'latest' });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ pointer: '/rev', message: '"rev" must be an integer, not "latest"' }]);
    const unknown = await call<ErrorBody>('POST', `/api/worlds/${id}/deploy`, { rev: 1, force: true });
    expect(unknown.body.problems).toEqual([
      { pointer: '/force', message: 'unknown field "force" is not allowed here' },
    ]);
    const draft = await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`, { world: withRps(3) });
    expect(draft.body).toMatchObject({ rev: null, deployedRev: null });
    expect((await status(id)).rev).toBeNull();
  });
});
