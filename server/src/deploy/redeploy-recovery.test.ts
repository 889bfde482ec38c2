// Redeploys as a person uses them, with real processes: a service that crashed and stays down (restart "no") is
// in the plan as "start" and the deploy brings it back; totals go on across a redeploy that keeps the processes
// (and across one that restarts the callee), they never fall back to zero while the processes run; a restart by
// hand replaces a running process on its port.
import type { DeployPreview, DeployStatus, TrafficFrame, World } from '@dw/world';
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

const status = async (id: string): Promise<DeployStatus> => (await t.app.inject(`/api/worlds/${id}/deploy`)).json();
const stateOf = async (id: string, service: string) => (await status(id)).services.find((s) => s.id === service);

async function create(world: World): Promise<string> {
  const r = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: world });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id;
}
async function save(id: string, rev: number, world: World): Promise<void> {
  const r = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload: { rev, world } });
  expect(r.statusCode, r.body).toBe(200);
}
async function deploy(id: string, rev: number): Promise<void> {
  const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy`, payload: { rev } });
  expect(r.statusCode, r.body).toBe(202);
  await waitFor(
    `rev ${rev} of ${id} ready`,
    async () => {
      const s = await status(id);
      return s.rev === rev && s.services.every((x) => x.state === 'ready') ? s : undefined;
    },
    20_000,
  );
}
async function plan(id: string): Promise<DeployPreview> {
  const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy/plan` });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}
/** The next frame of `id` at `rev` that satisfies `accept`. */
function nextFrame(id: string, rev: number, accept: (f: TrafficFrame) => boolean = () => true): Promise<TrafficFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no frame of ${id} rev ${rev} within 15 s`));
    }, 15_000);
    const off = t.app.deployer.events.on('frame', (f) => {
      if (f.worldId !== id || f.rev !== rev || !accept(f)) return;
      clearTimeout(timer);
      off();
      resolve(f);
    });
  });
}
const totalOf = (f: TrafficFrame) => f.links.find((l) => l.id === 'l1')?.total.requests ?? 0;
const acceptedOf = (f: TrafficFrame) => f.services.find((s) => s.id === 'callee')?.totalAccepted ?? 0;

const withPolicy = (world: World, restart: 'no' | 'always'): World => ({
  ...world,
  services: world.services.map((s) => (s.id === 'callee' ? { ...s, restart } : s)),
});

describe('a service that crashed and stays down', () => {
  it('is in the plan as "start", and the deploy brings it back on its port', async () => {
    const world = withPolicy(PAIR_WORLD, 'no');
    const id = await create(world);
    await deploy(id, 1);
    expect((await plan(id)).plan.start).toEqual([]);
    const before = await stateOf(id, 'callee');
    const kill = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy/services/callee/kill` });
    expect(kill.statusCode, kill.body).toBe(202);
    await waitFor('callee crashed', async () =>
      (await stateOf(id, 'callee'))?.state === 'crashed' ? true : undefined,
    );

    const preview = await plan(id);
    expect(preview.plan.start).toEqual(['callee']);
    expect(preview.plan.keep).toEqual(['caller']);
    expect(preview.summary).toBe('1 start');

    // The same world, deployed again (a new revision, nothing edited): the crashed service runs again.
    await save(id, 1, world);
    await deploy(id, 2);
    const after = await stateOf(id, 'callee');
    expect(after?.state).toBe('ready');
    expect(after?.pid).not.toBe(before?.pid);
    expect(after?.port).toBe(before?.port); // its caller was not restarted: it still calls that port
    // and its calls get through again: a frame with calls on the link and none failed (the first frames may
    // still count calls that failed while it was down)
    const frame = await nextFrame(id, 2, (f) => {
      const l1 = f.links.find((l) => l.id === 'l1');
      return (l1?.figures?.ratePerSec ?? 0) > 0 && l1?.errors === 0 && l1.refused === 0;
    });
    expect(frame.services.find((s) => s.id === 'callee')?.state ?? 'ready').toBe('ready');
    expect((await plan(id)).plan.start).toEqual([]);
  }, 90_000);

  it('a changed restart policy applies to the process that runs: killed again, it comes back by itself', async () => {
    const id = await create(withPolicy(PAIR_WORLD, 'no'));
    await deploy(id, 1);
    await save(id, 1, withPolicy(PAIR_WORLD, 'always'));
    await deploy(id, 2);
    const { pid } = (await stateOf(id, 'callee')) ?? {};
    const kill = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy/services/callee/kill` });
    expect(kill.statusCode, kill.body).toBe(202);
    const back = await waitFor(
      'callee restarted by its policy',
      async () => {
        const s = await stateOf(id, 'callee');
        return s?.state === 'ready' && s.pid !== pid ? s : undefined;
      },
      20_000,
    );
    expect(back.pid).not.toBe(pid);
  }, 90_000);
});

describe('a restart by hand', () => {
  it('replaces the running process on its port, is not counted as a crash, and its calls get through again', async () => {
    const id = await create(withPolicy(PAIR_WORLD, 'no'));
    await deploy(id, 1);
    const before = await stateOf(id, 'callee');
    const seen: string[] = [];
    const off = t.app.deployer.events.on('status', (e) => {
      if (e.worldId === id && e.id === 'callee') seen.push(e.state);
    });
    const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy/services/callee/restart` });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ serviceId: 'callee', replicas: [1] });
    // restart "no" would leave a killed process down: a restart by hand is not a crash, so it runs again
    const after = await waitFor(
      'callee ready again after a restart by hand',
      async () => {
        const s = await stateOf(id, 'callee');
        return s?.state === 'ready' ? s : undefined;
      },
      20_000,
    );
    off();
    expect(after.pid).not.toBe(before?.pid);
    expect(after.port).toBe(before?.port);
    // what the live view was told: restarting, then ready; never crashed
    expect(seen).not.toContain('crashed');
    expect(seen).toContain('restarting');
    expect(seen.at(-1)).toBe('ready');
    await nextFrame(id, 1, (f) => {
      const l1 = f.links.find((l) => l.id === 'l1');
      return (l1?.figures?.ratePerSec ?? 0) > 0 && l1?.errors === 0 && l1.refused === 0;
    });
    // a copy it does not have is a 404 that names it
    const none = await t.app.inject({
      method: 'POST',
      url: `/api/worlds/${id}/deploy/services/callee/restart?replica=3`,
    });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toMatch(/no replica 3/);
  }, 90_000);
});

describe('totals across redeploys', () => {
  it('go on across a redeploy that keeps every process, and across one that restarts the callee', async () => {
    const id = await create(PAIR_WORLD);
    await deploy(id, 1);
    const first = await nextFrame(id, 1, (f) => totalOf(f) >= 20);
    const before = { total: totalOf(first), accepted: acceptedOf(first) };

    // Moving a box changes no process: the plan keeps both, and the totals of rev 2 start where rev 1's were.
    const moved: World = {
      ...PAIR_WORLD,
      services: PAIR_WORLD.services.map((s) => ({ ...s, position: { x: s.position.x + 40, y: s.position.y + 40 } })),
    };
    await save(id, 1, moved);
    expect((await plan(id)).plan.keep).toEqual(['callee', 'caller']);
    await deploy(id, 2);
    const kept = await nextFrame(id, 2);
    expect(totalOf(kept)).toBeGreaterThanOrEqual(before.total);
    expect(acceptedOf(kept)).toBeGreaterThanOrEqual(before.accepted);

    // A restarted callee: the link's totals still go on (they are the deployment's, not the process's).
    const slower: World = {
      ...moved,
      services: moved.services.map((s) =>
        s.id === 'callee' && s.kind === 'service' ? { ...s, config: { ...s.config, latencyMs: 2 } } : s,
      ),
    };
    await save(id, 2, slower);
    expect((await plan(id)).plan.restart).toEqual(['callee']);
    const beforeRestart = totalOf(await nextFrame(id, 2));
    await deploy(id, 3);
    const restarted = await nextFrame(id, 3);
    expect(totalOf(restarted)).toBeGreaterThanOrEqual(beforeRestart);
  }, 90_000);
});
