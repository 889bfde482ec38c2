// The controller-wide process budget, over real HTTP against a listening controller whose budget is 5 processes:
// a world that needs 6 is refused with the figures before any identity is issued or any process spawned; two
// worlds together over it: the second is refused (even while the first is still starting); a redeploy that
// scales beyond it is refused and leaves the running world alone, one within it scales; a resumed world that
// does not fit stays down. Children are read from /proc: the test process's own, nobody else's.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeployPreview, DeployStatus, ErrorBody, World, WorldRecord } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyCopyReady } from '../testing/live-world.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { isAlive, listenLocal, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { defaultProcessBudget, parseProcessBudget } from './process-budget.js';

const BUDGET = 5;

/** A client calling `orders`, which runs `replicas` copies: replicas + 1 processes. */
function worldOf(name: string, replicas: number): World {
  return {
    version: 1,
    name,
    services: [
      { id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 5 } },
      { id: 'orders', kind: 'service', position: { x: 200, y: 0 }, replicas, config: { latencyMs: 1, errorRate: 0 } },
    ],
    links: [{ id: 'l1', from: 'shopper', to: 'orders' }],
  };
}

/** The live (not zombie) child processes of this test process, from /proc. */
function children(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === process.pid && state !== 'Z') pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

let t: TempApp;
let base: string;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function create(world: World): Promise<string> {
  const created = await call<WorldRecord>('POST', '/api/worlds', world);
  expect(created.status).toBe(201);
  return created.body.id;
}

const status = async (id: string) => (await call<DeployStatus>('GET', `/api/worlds/${id}/deploy`)).body;

async function ready(id: string): Promise<DeployStatus> {
  return waitFor(
    `world ${id} ready, every copy`,
    async () => {
      const s = await status(id);
      return s.rev !== null && s.services.every(everyCopyReady) ? s : undefined;
    },
    30_000,
  );
}

const pidsOf = (s: DeployStatus) =>
  s.services.flatMap((x) => (x.replicas ? x.replicas.map((r) => r.pid) : [x.pid])).filter((p) => p !== null);

async function stopEverything(): Promise<void> {
  for (const deployment of t.app.deployer.all()) await call('DELETE', `/api/worlds/${deployment.worldId}/deploy`);
}

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp({ maxProcesses: BUDGET });
  base = await listenLocal(t.app);
});

afterAll(async () => {
  await t?.close();
});

describe('the default process budget', () => {
  it('is half the memory at 75 MB a process, at least 16 and at most 1000; DW_MAX_PROCESSES replaces it', () => {
    expect(defaultProcessBudget(24_105 * 1024 * 1024)).toBe(160);
    expect(defaultProcessBudget(4 * 1024 ** 3)).toBe(27);
    expect(defaultProcessBudget(1024 ** 3)).toBe(16);
    expect(defaultProcessBudget(1024 ** 4)).toBe(1000);
    expect(parseProcessBudget(undefined)).toBeUndefined();
    expect(parseProcessBudget('')).toBeUndefined();
    expect(parseProcessBudget('12')).toBe(12);
    for (const bad of ['0', '-3', '2.5', 'many']) expect(() => parseProcessBudget(bad)).toThrow(/DW_MAX_PROCESSES/);
  });
});

describe('a controller with a budget of 5 processes', () => {
  it('refuses a world that needs 6 with the figures, before any identity is issued or any process spawned', async () => {
    const id = await create(worldOf('six', 5));
    const preview = await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`);
    expect(preview.body.budget).toEqual({ limit: 5, processes: 6, adds: 6, left: 5, fits: false });

    const refused = await call<ErrorBody>('POST', `/api/worlds/${id}/deploy`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('process-budget');
    expect(refused.body.budget).toEqual({ limit: 5, processes: 6, adds: 6, left: 5, fits: false });
    expect(refused.body.message).toBe(
      `world "${id}" asks for 6 process(es), but only 5 of the controller's budget of 5 are left: stop another ` +
        'world or lower replicas, or start the controller with a larger DW_MAX_PROCESSES',
    );
    // Nothing happened: no child process (not even the guardian), no CA, no leaf, nothing recorded as deployed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(children()).toEqual([]);
    expect(existsSync(join(t.dataDir, 'pki', id))).toBe(false);
    const deployments = join(t.dataDir, 'deployments');
    expect(existsSync(deployments) ? readdirSync(deployments) : []).toEqual([]);
    expect(existsSync(join(t.dataDir, 'deployed.json'))).toBe(false);
    expect((await status(id)).rev).toBeNull();
  });

  it('refuses the second of two worlds that together exceed it, even while the first is still starting', async () => {
    const first = await create(worldOf('first', 2));
    const second = await create(worldOf('second', 2));
    expect((await call('POST', `/api/worlds/${first}/deploy`)).status).toBe(202);
    // at once: the first world holds its 3 processes from the moment its deploy was accepted
    const refused = await call<ErrorBody>('POST', `/api/worlds/${second}/deploy`);
    expect(refused.status).toBe(409);
    expect(refused.body.budget).toEqual({ limit: 5, processes: 3, adds: 3, left: 2, fits: false });
    expect(refused.body.message).toContain('asks for 3 process(es), but only 2 of');
    const running = pidsOf(await ready(first));
    expect(running).toHaveLength(3);
    expect(existsSync(join(t.dataDir, 'pki', second))).toBe(false);
    expect((await status(second)).rev).toBeNull();

    // Within the budget it works: a world of 2 fills it to 5.
    const third = await create(worldOf('third', 1));
    const preview = await call<DeployPreview>('POST', `/api/worlds/${third}/deploy/plan`);
    expect(preview.body.budget).toEqual({ limit: 5, processes: 2, adds: 2, left: 2, fits: true });
    expect((await call('POST', `/api/worlds/${third}/deploy`)).status).toBe(202);
    const all = [...running, ...pidsOf(await ready(third))];
    expect(all).toHaveLength(5);
    expect(all.every(isAlive)).toBe(true);
    // the five services and the guardian
    expect(children()).toHaveLength(6);
    await stopEverything();
  }, 60_000);

  it('refuses a redeploy that scales beyond it and leaves the running world alone; one within it scales', async () => {
    const id = await create(worldOf('scaled', 2));
    expect((await call('POST', `/api/worlds/${id}/deploy`)).status).toBe(202);
    const before = await ready(id);
    const pids = pidsOf(before);
    const childrenBefore = children();

    const saved = await call<WorldRecord>('PUT', `/api/worlds/${id}`, { rev: 1, world: worldOf('scaled', 5) });
    expect(saved.status).toBe(200);
    const plan = await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`);
    expect(plan.body.plan.scale).toEqual([{ id: 'orders', from: 2, to: 5 }]);
    expect(plan.body.budget).toEqual({ limit: 5, processes: 6, adds: 3, left: 2, fits: false });
    const refused = await call<ErrorBody>('POST', `/api/worlds/${id}/deploy`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('asks for 6 process(es) (3 more than it runs now), but only 2 of');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await status(id);
    expect(after).toEqual(before); // rev 1, the same pids and ports, every copy ready
    expect(pids.every(isAlive)).toBe(true);
    expect(children()).toEqual(childrenBefore);

    // 4 copies and the client: 5, which fits; copies 1 and 2 keep running.
    const within = await call<WorldRecord>('PUT', `/api/worlds/${id}`, { rev: 2, world: worldOf('scaled', 4) });
    expect(within.status).toBe(200);
    expect((await call<DeployPreview>('POST', `/api/worlds/${id}/deploy/plan`)).body.budget).toEqual({
      limit: 5,
      processes: 5,
      adds: 2,
      left: 2,
      fits: true,
    });
    expect((await call('POST', `/api/worlds/${id}/deploy`)).status).toBe(202);
    const scaled = await waitFor(
      'rev 3 with 4 ready copies',
      async () => {
        const s = await status(id);
        const orders = s.services.find((x) => x.id === 'orders');
        return s.rev === 3 && orders?.replicas?.length === 4 && s.services.every(everyCopyReady) ? s : undefined;
      },
      30_000,
    );
    const now = pidsOf(scaled);
    expect(now).toHaveLength(5);
    for (const pid of pids) expect(now).toContain(pid);
    await stopEverything();
  }, 60_000);

  it('refuses a scenario run whose world does not fit, before answering 202', async () => {
    const world: World = {
      ...worldOf('scenario', 5),
      scenarios: [{ name: 'steady', durationS: 2, steps: [], assertions: [] }],
    };
    const id = await create(world);
    const refused = await call<ErrorBody>('POST', `/api/worlds/${id}/scenario-runs`, { name: 'steady' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('process-budget');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await status(id)).rev).toBeNull();
    expect(existsSync(join(t.dataDir, 'pki', id))).toBe(false);
  });

  it('resumes the recorded worlds that fit and leaves the one that does not stopped (and recorded)', async () => {
    expect(t.app.deployer.all()).toEqual([]);
    const fits = await create(worldOf('resumed', 3));
    const over = await create(worldOf('left-down', 1));
    const record = { worlds: [fits, over].map((worldId) => ({ worldId, rev: 1, at: new Date().toISOString() })) };
    await writeFile(join(t.dataDir, 'deployed.json'), JSON.stringify(record));
    expect(await t.app.deployer.resume()).toEqual([fits]);
    expect(pidsOf(await ready(fits))).toHaveLength(4);
    expect((await status(over)).rev).toBeNull();
    expect(existsSync(join(t.dataDir, 'pki', over))).toBe(false);
    const kept = JSON.parse(readFileSync(join(t.dataDir, 'deployed.json'), 'utf8')) as typeof record;
    expect(kept.worlds.map((w) => w.worldId).sort()).toEqual([fits, over].sort());
    await stopEverything();
  }, 60_000);
});
