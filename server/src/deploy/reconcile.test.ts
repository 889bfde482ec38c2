// Redeploys reconcile, with real processes: what did not change keeps its pid, a changed service restarts on
// its old port (its callers keep calling it without a restart), added services start, removed ones stop, and a
// permission taken away (a link removed or set to deny) is refused from then on.
// POST .../deploy/plan answers the same plan without touching anything.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DeployPreview, type DeployStatus, HOPS_HEADER, type TrafficFrame, type World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callService } from '../testing/mtls-client.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { isAlive, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { MESH_WORLD } from '../testing/worlds.js';

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
const allReady = (id: string, rev: number) =>
  waitFor(
    `rev ${rev} of ${id} ready`,
    async () => {
      const s = await status(id);
      return s.rev === rev && s.services.every((x) => x.state === 'ready') ? s : undefined;
    },
    20_000,
  );
/** A service's identity files as its process got them: the caller's certificate, key and the world's CA. */
async function identityOf(id: string, serviceId: string) {
  const root = join(t.dataDir, 'deployments');
  const dir = (await readdir(root)).find((d) => d.startsWith(`${id}-r`));
  if (!dir) throw new Error(`no deployment dir for ${id}`);
  const read = (name: string) => readFile(join(root, dir, name), 'utf8');
  return { cert: await read(`${serviceId}.crt`), key: await read(`${serviceId}.key`), ca: await read('ca.crt') };
}
const byId = (s: DeployStatus) => Object.fromEntries(s.services.map((x) => [x.id, { pid: x.pid, port: x.port }]));

async function save(id: string, rev: number, world: World): Promise<void> {
  const r = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload: { rev, world } });
  expect(r.statusCode).toBe(200);
}
async function deployAndWait(id: string, rev: number): Promise<DeployStatus> {
  const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy` });
  expect(r.json()).toEqual({ rev });
  return allReady(id, rev);
}
async function preview(id: string, world?: World): Promise<DeployPreview> {
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/worlds/${id}/deploy/plan`,
    ...(world ? { payload: { world } } : {}),
  });
  expect(r.statusCode).toBe(200);
  return r.json();
}
/** Resolves once a frame shows calls on `linkId` with no errors and nothing refused. */
function cleanTrafficOn(id: string, linkId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no clean traffic on ${linkId} within 15 s`));
    }, 15_000);
    const off = t.app.deployer.events.on('frame', (frame: TrafficFrame) => {
      if (frame.worldId !== id) return;
      const link = frame.links.find((l) => l.id === linkId);
      if (link && link.requests > 0 && link.errors === 0 && link.refused === 0) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

const moved: World = {
  ...MESH_WORLD,
  services: MESH_WORLD.services.map((s) => ({ ...s, position: { x: s.position.x + 40, y: s.position.y + 40 } })),
};
const slowerPayments: World = {
  ...moved,
  services: moved.services.map((s) =>
    s.id === 'payments' && s.kind === 'service' ? { ...s, config: { latencyMs: 3, errorRate: 0 } } : s,
  ),
};
const withAudit: World = {
  ...slowerPayments,
  services: [
    ...slowerPayments.services,
    { id: 'audit', kind: 'service', position: { x: 600, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
  ],
  links: [...slowerPayments.links, { id: 'l4', from: 'payments', to: 'audit' }],
};

describe('reconciling redeploys', () => {
  it('keeps, restarts, starts and stops exactly what the plan says, with real pids', async () => {
    const id = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })).json().id as string;
    expect((await preview(id)).summary).toBe('4 start');
    const r1 = byId(await deployAndWait(id, 1));

    // Moving boxes: the plan changes nothing, and neither does the deploy.
    await save(id, 1, moved);
    const p2 = await preview(id);
    expect(p2).toMatchObject({ deployedRev: 1, summary: 'nothing to change' });
    expect(p2.plan.keep).toEqual(['inventory', 'orders', 'payments', 'shopper']);
    const r2 = byId(await deployAndWait(id, 2));
    expect(r2).toEqual(r1);

    // A changed config: only payments restarts, on the same port; orders keeps calling it without a restart.
    await save(id, 2, slowerPayments);
    expect((await preview(id)).plan).toEqual({
      start: [],
      restart: ['payments'],
      stop: [],
      keep: ['inventory', 'orders', 'shopper'],
      scale: [],
    });
    const r3 = byId(await deployAndWait(id, 3));
    expect(r3.payments?.pid).not.toBe(r1.payments?.pid);
    expect(isAlive(r1.payments?.pid as number)).toBe(false);
    expect(r3.payments?.port).toBe(r1.payments?.port);
    for (const kept of ['shopper', 'orders', 'inventory']) expect(r3[kept]).toEqual(r1[kept]);
    await cleanTrafficOn(id, 'l2');

    // A plan for an unsaved world answers without changing anything.
    const draft = await preview(id, withAudit);
    expect(draft.summary).toBe('1 start, 1 restart');
    expect(byId(await status(id))).toEqual(r3);

    // Added: audit starts, payments (its caller) restarts; removed: audit stops, payments restarts again.
    await save(id, 3, withAudit);
    const r4 = byId(await deployAndWait(id, 4));
    expect(r4.audit?.pid).toBeTypeOf('number');
    expect(r4.payments?.pid).not.toBe(r3.payments?.pid);
    for (const kept of ['shopper', 'orders', 'inventory']) expect(r4[kept]).toEqual(r1[kept]);
    await cleanTrafficOn(id, 'l4');

    await save(id, 4, slowerPayments);
    const r5 = byId(await deployAndWait(id, 5));
    expect(r5.audit).toBeUndefined();
    expect(isAlive(r4.audit?.pid as number)).toBe(false);
    for (const kept of ['shopper', 'orders', 'inventory']) expect(r5[kept]).toEqual(r1[kept]);

    const stopped = await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
    expect(stopped.statusCode).toBe(200);
    for (const s of Object.values(r5)) expect(isAlive(s.pid as number)).toBe(false);
  }, 90_000);

  it('revokes a permission of a running world: a link switched to deny or removed, redeployed, answers 403', async () => {
    const id = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })).json().id as string;
    const r1 = await deployAndWait(id, 1);
    const portOf = (s: DeployStatus, service: string) => s.services.find((x) => x.id === service)?.port as number;
    const call = async (s: DeployStatus, to: string) =>
      callService(portOf(s, to), to, await identityOf(id, 'orders'), { [HOPS_HEADER]: '4' });
    // Allowed now: orders may call payments (l2) and inventory (l3).
    expect((await call(r1, 'payments')).status).toBe(200);
    expect((await call(r1, 'inventory')).status).toBe(200);
    await cleanTrafficOn(id, 'l2');

    // Revoked: l2 denies, l3 is gone. The callees restart with the callers they admit now.
    const revoked: World = {
      ...MESH_WORLD,
      links: MESH_WORLD.links
        .filter((l) => l.id !== 'l3')
        .map((l) => (l.id === 'l2' ? { ...l, policy: 'deny' as const } : l)),
    };
    await save(id, 1, revoked);
    expect((await preview(id)).plan.restart).toEqual(expect.arrayContaining(['inventory', 'payments']));
    const r2 = await deployAndWait(id, 2);
    for (const to of ['payments', 'inventory']) {
      const answer = await call(r2, to);
      expect(answer.status, `orders -> ${to}: ${answer.body}`).toBe(403);
      expect(JSON.parse(answer.body).error).toBe('not-linked');
    }
    // And the running orders process, which still calls payments over the deny link, is refused for real.
    const frame = await new Promise<TrafficFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error('no refused calls on l2 within 15 s'));
      }, 15_000);
      // The first such frame may still hold calls answered before payments restarted: take the next one.
      let seen = 0;
      const off = t.app.deployer.events.on('frame', (f: TrafficFrame) => {
        if (f.worldId !== id || f.rev !== 2 || !f.links.some((l) => l.id === 'l2' && l.refused > 0)) return;
        if (++seen < 2) return;
        clearTimeout(timer);
        off();
        resolve(f);
      });
    });
    const l2 = frame.links.find((l) => l.id === 'l2');
    expect(l2?.refused).toBe(l2?.requests);
    expect(frame.services.find((x) => x.id === 'payments')?.accepted).toBe(0);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  }, 60_000);

  it('refuses an invalid world to plan, with pointers into the body', async () => {
    const id = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })).json().id as string;
    const bad = { ...MESH_WORLD, links: [{ id: 'l1', from: 'shopper', to: 'nowhere' }] };
    const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy/plan`, payload: { world: bad } });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems[0].pointer).toMatch(/^\/world\/links\/0/);
    const missing = await t.app.inject({ method: 'POST', url: '/api/worlds/nope/deploy/plan' });
    expect(missing.statusCode).toBe(404);
  });
});
