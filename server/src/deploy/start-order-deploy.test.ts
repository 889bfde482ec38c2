// The start order and readiness with real processes: a service is ready when it says so over its IPC channel
// (no telemetry needed, no probe), and in a tree every callee is ready before its caller is started.
import { readFileSync } from 'node:fs';
import { cpus, getPriority } from 'node:os';
import type { ServiceStatusEvent, World } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { freePort, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { LARGE_WORLD_NODE_OPTIONS, PROCESSES_PER_CORE } from './service-priority.js';
import { CONCURRENT_STARTS } from './start-order.js';

let t: TempApp | undefined;
beforeAll(() => {
  ensureServiceRuntime();
});
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A client calling `root`, then a tree below it: each node calls `fanout` more, breadth first. */
function treeWorld(services: number, fanout: number): World {
  const ids = ['shopper', ...Array.from({ length: services }, (_, i) => `s${i}`)];
  return {
    version: 1,
    name: 'tree',
    services: ids.map((id, i) => ({
      id,
      position: { x: i * 100, y: 0 },
      ...(i === 0
        ? { kind: 'client' as const, config: { rps: 2 } }
        : { kind: 'service' as const, config: { latencyMs: 1, errorRate: 0 } }),
    })),
    links: ids.slice(1).map((id, i) => ({
      id: `l${i}`,
      from: i === 0 ? 'shopper' : (ids[1 + Math.floor((i - 1) / fanout)] as string),
      to: id,
    })),
  } as World;
}

async function deployed(app: TempApp, world: World) {
  const id = (await app.app.inject({ method: 'POST', url: '/api/worlds', payload: world })).json().id as string;
  expect((await app.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy` })).statusCode).toBe(202);
  return id;
}

const everyReady = (app: TempApp, id: string) =>
  waitFor(
    `every service of ${id} ready`,
    async () => {
      const s = (await app.app.inject(`/api/worlds/${id}/deploy`)).json();
      return s.services.every((x: { state: string }) => x.state === 'ready') ? s : undefined;
    },
    60_000,
  );

describe('start order', () => {
  it('counts a service ready when it says so over IPC, with no telemetry reaching the controller', async () => {
    // services post telemetry to a port where nobody listens: only their IPC message can make them ready
    t = await tempApp({ controllerUrl: `http://127.0.0.1:${await freePort()}` });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const id = await deployed(t, treeWorld(3, 2));
    const status = await everyReady(t, id);
    expect(status.services.map((s: { id: string }) => s.id).sort()).toEqual(['s0', 's1', 's2', 'shopper']);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  }, 90_000);

  it('starts callees first: every callee is ready before its caller starts, and no more start at once than allowed', async () => {
    t = await tempApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const world = treeWorld(2 * CONCURRENT_STARTS + 3, 2);
    // the order of what happened: a step number when each service started (got a pid) and became ready
    let step = 0;
    const started = new Map<string, number>();
    const ready = new Map<string, number>();
    let starting = 0;
    let mostAtOnce = 0;
    const off = t.app.deployer.events.on('status', (e: ServiceStatusEvent) => {
      step++;
      if (e.pid !== null && !started.has(e.id)) {
        started.set(e.id, step);
        starting++;
        mostAtOnce = Math.max(mostAtOnce, starting);
      }
      if (e.state === 'ready' && !ready.has(e.id)) {
        ready.set(e.id, step);
        starting--;
      }
    });
    try {
      const id = await deployed(t, world);
      await everyReady(t, id);
      await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
    } finally {
      off();
    }
    for (const link of world.links) {
      const calleeReady = ready.get(link.to) as number;
      const callerStarted = started.get(link.from) as number;
      expect(calleeReady, `${link.to} ready before ${link.from} starts`).toBeLessThan(callerStarted);
    }
    expect(mostAtOnce).toBeLessThanOrEqual(CONCURRENT_STARTS);
    // the leaves (half the tree) could all start at once: the limit is what held them back
    expect(mostAtOnce).toBe(CONCURRENT_STARTS);
  }, 120_000);

  it('runs the services of a world of more than 8 processes a core at the niceness asked for and with WebAssembly on Liftoff only, calling their peers; a smaller one as the controller runs', async (ctx) => {
    // the world's size follows the machine (8 processes a core, plus one); past 16 cores that is too many to start
    if (cpus().length > 16)
      ctx.skip(
        `${cpus().length} cores: a large world would be ${PROCESSES_PER_CORE * cpus().length + 1} processes here`,
      );
    t = await tempApp({ serviceNiceness: 7 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    /** Per service: its niceness and the options node was started with (before the runtime's path). */
    const started = async (id: string): Promise<[string, number, string[]][]> => {
      const status = await everyReady(t as TempApp, id);
      return status.services.map((s: { id: string; pid: number }) => {
        const argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
        return [
          s.id,
          getPriority(s.pid),
          argv.slice(
            1,
            argv.findIndex((a) => a.endsWith('main.js')),
          ),
        ];
      });
    };
    // the smallest large world on this machine: one process more than PROCESSES_PER_CORE a core
    const large = await deployed(t, treeWorld(PROCESSES_PER_CORE * cpus().length, 4));
    const largeStarted = await started(large);
    expect(largeStarted).toHaveLength(PROCESSES_PER_CORE * cpus().length + 1);
    expect(largeStarted.filter(([, n]) => n !== 7)).toEqual([]);
    expect(largeStarted.filter(([, , options]) => options.join(' ') !== LARGE_WORLD_NODE_OPTIONS.join(' '))).toEqual(
      [],
    );
    // and they work with it: every link carries calls (undici's parser is WebAssembly), none failing
    const links = PROCESSES_PER_CORE * cpus().length; // a tree: a link to every service but the client
    const carried = await waitFor(
      'calls on every link of the large world',
      async () => {
        const text = (await (t as TempApp).app.inject({ method: 'GET', url: '/metrics' })).body;
        const per = (metric: string) =>
          text.split('\n').filter((l) => l.startsWith(`${metric}{`) && l.includes(`world="${large}"`));
        const requests = per('dw_link_requests_total').filter((l) => Number(l.split(' ').pop()) > 0);
        const errors = per('dw_link_errors_total').filter((l) => Number(l.split(' ').pop()) > 0);
        return requests.length === links ? { requests: requests.length, errors } : undefined;
      },
      60_000,
      500,
    );
    expect(carried.errors).toEqual([]);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${large}/deploy` });
    // one process fewer: the services keep the controller's priority and node's defaults
    const fits = await deployed(t, treeWorld(PROCESSES_PER_CORE * cpus().length - 1, 4));
    const own = getPriority();
    const fitsStarted = await started(fits);
    expect(fitsStarted.filter(([, n]) => n !== own)).toEqual([]);
    expect(fitsStarted.filter(([, , options]) => options.length > 0)).toEqual([]);
  }, 180_000);
});
