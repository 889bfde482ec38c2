// A queue and a store deployed by the controller as real processes: a shop publishes orders, a worker consumes
// them and writes to a store. Their data directories, their live figures in the frames, a trace across the
// queue, a consumer stopped and started, data that outlives a redeploy, cleared on request and with the world.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataCleared, StoreKeyList, StoreValue, TrafficFrame, World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveController, type LiveWorld, liveController } from '../testing/live-world.js';
import { waitFor } from '../testing/temp-app.js';

const SHOP: World = {
  version: 1,
  name: 'orders',
  services: [
    { id: 'shop', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 15, payloadBytes: 48 } },
    {
      id: 'orders-q',
      kind: 'queue',
      position: { x: 200, y: 0 },
      config: { backoffMs: 50, deliveryTimeoutMs: 5000, inFlightPerConsumer: 32 },
    },
    {
      id: 'worker',
      kind: 'service',
      position: { x: 400, y: 0 },
      config: { latencyMs: 1, store: { readShare: 0.3, writeShare: 0.7, keys: 100, valueBytes: 32 } },
    },
    { id: 'db', kind: 'store', position: { x: 600, y: 0 }, config: {} },
  ],
  links: [
    { id: 'l1', from: 'shop', to: 'orders-q' },
    { id: 'l2', from: 'orders-q', to: 'worker' },
    { id: 'l3', from: 'worker', to: 'db' },
  ],
};

const gaugeIn = (frame: TrafficFrame, id: string, name: string) =>
  frame.services.find((s) => s.id === id)?.gauges?.find((g) => g.name === name)?.value;

describe('a queue and a store in a deployed world', () => {
  let c: LiveController;
  let live: LiveWorld;
  const latest = (id: string, name: string) => {
    for (let i = live.frames.length - 1; i >= 0; i--) {
      const value = gaugeIn(live.frames[i] as TrafficFrame, id, name);
      if (value !== undefined) return value;
    }
    return undefined;
  };

  beforeAll(async () => {
    c = await liveController();
    live = await c.deploy(SHOP);
  }, 60_000);
  afterAll(() => c?.close());

  it('gives each node that keeps data a private directory of its own under worlds-data/<world>', () => {
    for (const id of ['orders-q', 'db']) {
      const dir = join(c.t.dataDir, 'worlds-data', live.id, id);
      expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
    }
    expect(statSync(join(c.t.dataDir, 'worlds-data', live.id)).mode & 0o777).toBe(0o700);
    expect(existsSync(join(c.t.dataDir, 'worlds-data', live.id, 'worker'))).toBe(false);
    expect(existsSync(join(c.t.dataDir, 'worlds-data', live.id, 'orders-q', 'queue.log'))).toBe(true);
  });

  it('shows their figures live in the frames, and the calls over their links', async () => {
    await waitFor(
      'messages delivered and keys written',
      () => {
        const delivered = latest('orders-q', 'deliverPerSec') ?? 0;
        const keys = latest('db', 'keys') ?? 0;
        return delivered > 0 && keys > 5 ? true : undefined;
      },
      20_000,
    );
    const frame = live.frames.at(-1) as TrafficFrame;
    const names = (id: string) => frame.services.find((s) => s.id === id)?.gauges?.map((g) => g.name);
    expect(names('orders-q')).toEqual([
      'depth',
      'inFlight',
      'publishPerSec',
      'deliverPerSec',
      'oldestMs',
      'deadLetters',
      'redelivered',
    ]);
    expect(names('db')).toEqual(['keys', 'bytes', 'readsPerSec', 'writesPerSec', 'latencyMs']);
    expect(frame.services.find((s) => s.id === 'worker')?.gauges).toBeUndefined();
    const recent = live.frames.slice(-15);
    const on = (linkId: string) =>
      recent.reduce((n, f) => n + (f.links.find((l) => l.id === linkId)?.requests ?? 0), 0);
    expect(on('l1')).toBeGreaterThan(0);
    expect(on('l2')).toBeGreaterThan(0);
    expect(on('l3')).toBeGreaterThan(0);
    expect(recent.reduce((n, f) => n + (f.links.find((l) => l.id === 'l3')?.errors ?? 0), 0)).toBe(0);
  });

  it("carries a message's trace across the queue: the publish, the wait, the delivery", async () => {
    const trace = await waitFor(
      'a sampled message delivered through the queue',
      async () => {
        const list = await c.api<{ traces: { traceId: string; services: number }[] }>(
          'GET',
          `/api/worlds/${live.id}/traces`,
        );
        for (const summary of list.body.traces.filter((t) => t.services >= 4)) {
          const got = await c.api<{
            spans: {
              service: string;
              kind: string;
              to?: string;
              name?: string;
              parentId: string | null;
              spanId: string;
            }[];
          }>('GET', `/api/worlds/${live.id}/traces/${summary.traceId}`);
          if (got.body.spans.some((s) => s.kind === 'internal') && got.body.spans.some((s) => s.service === 'db'))
            return got.body.spans;
        }
        return undefined;
      },
      20_000,
    );
    const hops = trace.map((s) => `${s.service}:${s.kind}${s.to ? `>${s.to}` : ''}${s.name ? ` (${s.name})` : ''}`);
    expect(hops).toEqual(
      expect.arrayContaining([
        'shop:client>orders-q',
        'orders-q:server',
        'orders-q:internal (waited in the queue)',
        'orders-q:client>worker',
        'worker:server',
        'worker:client>db',
        'db:server',
      ]),
    );
    // the wait hangs under the publish, and the delivery under the wait
    const span = (hop: string) => trace[hops.indexOf(hop)] as (typeof trace)[number];
    expect(span('orders-q:internal (waited in the queue)').parentId).toBe(span('orders-q:server').spanId);
    expect(span('orders-q:client>worker').parentId).toBe(span('orders-q:internal (waited in the queue)').spanId);
  });

  it('lets the depth grow while its consumer is down, and drains it once the consumer is started again', async () => {
    const killed = await c.api('POST', `/api/worlds/${live.id}/deploy/services/worker/kill`);
    expect(killed.status).toBe(202);
    const seen = live.statuses.length;
    await waitFor('the worker down', () =>
      live.statuses.slice(seen).some((s) => s.id === 'worker' && s.state === 'crashed') ? true : undefined,
    );
    const before = latest('orders-q', 'depth') ?? 0;
    await waitFor(
      'the depth to grow by 30',
      () => ((latest('orders-q', 'depth') ?? 0) > before + 30 ? true : undefined),
      20_000,
    );
    expect(latest('orders-q', 'oldestMs')).toBeGreaterThan(1000);
    expect(latest('orders-q', 'deadLetters')).toBe(0);
    const started = await c.api<{ replicas: number[] }>('POST', `/api/worlds/${live.id}/deploy/services/worker/start`);
    expect(started).toEqual({ status: 202, body: { serviceId: 'worker', replicas: [1] } });
    await waitFor('the queue to drain', () => ((latest('orders-q', 'depth') ?? 99) < 5 ? true : undefined), 60_000);
    const again = await c.api('POST', `/api/worlds/${live.id}/deploy/services/worker/start`);
    expect(again.status).toBe(409);
  }, 60_000);

  it("lists a running store's keys and shows a value; a queue has no keys", async () => {
    const list = await c.api<StoreKeyList>('GET', `/api/worlds/${live.id}/nodes/db/keys?limit=5`);
    expect(list.status).toBe(200);
    expect(list.body.keys).toHaveLength(5);
    expect(list.body.total).toBeGreaterThan(5);
    expect(list.body.keys.map((k) => k.key)).toEqual([...list.body.keys.map((k) => k.key)].sort());
    const next = await c.api<StoreKeyList>(
      'GET',
      `/api/worlds/${live.id}/nodes/db/keys?limit=5&after=${encodeURIComponent(list.body.next as string)}`,
    );
    expect((next.body.keys[0]?.key as string) > (list.body.keys[4]?.key as string)).toBe(true);
    const key = list.body.keys[0]?.key as string;
    const value = await c.api<StoreValue>('GET', `/api/worlds/${live.id}/nodes/db/keys/${encodeURIComponent(key)}`);
    expect(value.status).toBe(200);
    expect(value.body).toMatchObject({ key, bytes: 32, truncated: false });
    expect((await c.api('GET', `/api/worlds/${live.id}/nodes/db/keys/nope`)).status).toBe(404);
    expect((await c.api('GET', `/api/worlds/${live.id}/nodes/orders-q/keys`)).status).toBe(404);
    expect((await c.api('GET', `/api/worlds/${live.id}/nodes/worker/keys`)).status).toBe(400);
    expect((await c.api('GET', `/api/worlds/${live.id}/nodes/orders-q/dead-letters`)).body).toMatchObject({
      total: 0,
    });
  });

  it('keeps the data across a stop and a redeploy, clears it on request, and removes it with the world', async () => {
    const keysBefore = (await c.api<StoreKeyList>('GET', `/api/worlds/${live.id}/nodes/db/keys`)).body.total;
    expect((await c.api('DELETE', `/api/worlds/${live.id}/deploy`)).status).toBe(200);
    // stopped: nothing to read, but the data is there
    expect((await c.api('GET', `/api/worlds/${live.id}/nodes/db/keys`)).status).toBe(409);
    const dir = join(c.t.dataDir, 'worlds-data', live.id, 'db');
    expect(existsSync(join(dir, 'store.log'))).toBe(true);
    // a redeploy without the shop: nothing writes, and what was written is back
    const saved = await c.api<{ rev: number }>('GET', `/api/worlds/${live.id}`);
    const quiet = { ...SHOP, services: SHOP.services.filter((s) => s.id !== 'shop'), links: SHOP.links.slice(1) };
    expect((await c.api('PUT', `/api/worlds/${live.id}`, { rev: saved.body.rev, world: quiet })).status).toBe(200);
    const redeployed = await c.api<{ rev: number }>('POST', `/api/worlds/${live.id}/deploy`);
    expect(redeployed.status).toBe(202);
    const after = await waitFor(
      'the store back with its keys',
      async () => {
        const got = await c.api<StoreKeyList>('GET', `/api/worlds/${live.id}/nodes/db/keys`);
        return got.status === 200 ? got.body.total : undefined;
      },
      20_000,
    );
    expect(after).toBeGreaterThanOrEqual(keysBefore);
    // the queue hands the worker what it still held (nothing publishes now): once it is empty, nothing writes
    await waitFor(
      'the queue drained',
      () => {
        const frame = live.frames.at(-1);
        if (!frame || frame.rev !== redeployed.body.rev) return undefined;
        return gaugeIn(frame, 'orders-q', 'depth') === 0 && gaugeIn(frame, 'orders-q', 'inFlight') === 0
          ? true
          : undefined;
      },
      20_000,
    );
    // "clear data" while it runs: the process forgets it all, on disk too
    const cleared = await c.api<DataCleared>('DELETE', `/api/worlds/${live.id}/nodes/db/data`);
    expect(cleared).toMatchObject({ status: 200, body: { nodeId: 'db', how: 'running' } });
    expect(cleared.body.removed).toBeGreaterThanOrEqual(after);
    expect((await c.api<StoreKeyList>('GET', `/api/worlds/${live.id}/nodes/db/keys`)).body.total).toBe(0);
    // stopped, "clear data" removes the directory
    expect((await c.api('DELETE', `/api/worlds/${live.id}/deploy`)).status).toBe(200);
    const queueDir = join(c.t.dataDir, 'worlds-data', live.id, 'orders-q');
    expect(existsSync(queueDir)).toBe(true);
    expect((await c.api<DataCleared>('DELETE', `/api/worlds/${live.id}/nodes/orders-q/data`)).body).toEqual({
      nodeId: 'orders-q',
      how: 'stored',
    });
    expect(existsSync(queueDir)).toBe(false);
    expect((await c.api('DELETE', `/api/worlds/${live.id}/nodes/worker/data`)).status).toBe(400);
    // deleting the world removes all of it
    expect(existsSync(join(c.t.dataDir, 'worlds-data', live.id))).toBe(true);
    expect((await c.t.app.inject({ method: 'DELETE', url: `/api/worlds/${live.id}` })).statusCode).toBe(204);
    expect(existsSync(join(c.t.dataDir, 'worlds-data', live.id))).toBe(false);
  }, 90_000);
});
