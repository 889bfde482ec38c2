// Real processes, real mTLS: what the live view claims, checked against what really happened. Counts in frames
// against a load client's own count of completed requests; /metrics against the frames; a sampled request's
// trace through three hops and a fan-out.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClientToServerEvents,
  type DeployStatus,
  FRAME_INTERVAL_MS,
  HOPS_HEADER,
  type LogsAck,
  type ServerToClientEvents,
  type ServiceLogLine,
  type Trace,
  type TraceList,
  type TrafficFrame,
  type WatchAck,
} from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRY_INTERVAL_MS } from '../deploy/deployer.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { OBSERVED_WORLD } from '../testing/worlds.js';

let t: TempApp;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];
/** One frame interval plus one telemetry interval, and slack for a busy machine: after this, a count is in. */
const SETTLE_MS = FRAME_INTERVAL_MS + TELEMETRY_INTERVAL_MS + 300;

const get = async <T>(url: string): Promise<{ status: number; body: T; text: string }> => {
  const response = await t.app.inject({ method: 'GET', url });
  return {
    status: response.statusCode,
    body: String(response.headers['content-type'] ?? '').includes('json') ? response.json() : (undefined as T),
    text: response.body,
  };
};
const linkOf = (frame: TrafficFrame, id: string) => {
  const link = frame.links.find((l) => l.id === id);
  if (!link) throw new Error(`no link ${id} in the frame`);
  return link;
};
function nextFrame(what: string, accept: (frame: TrafficFrame) => boolean, timeoutMs = 5000): Promise<TrafficFrame> {
  const from = frames.length;
  return waitFor(what, () => frames.slice(from).find(accept), timeoutMs);
}

/** One series of /metrics, by name and labels; undefined when absent. */
function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (
      Object.entries(labels).every(([k, v]) => got[k] === v) &&
      Object.keys(got).length === Object.keys(labels).length
    ) {
      return Number(m[3]);
    }
  }
  return undefined;
}

async function identityOf(serviceId: string) {
  const root = join(t.dataDir, 'deployments');
  const [dir] = await readdir(root);
  const at = (f: string) => readFile(join(root, dir as string, f), 'utf8');
  return { cert: await at(`${serviceId}.crt`), key: await at(`${serviceId}.key`), ca: await at('ca.crt') };
}

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  const created = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: OBSERVED_WORLD });
  worldId = created.json().id;
  socket = io(`http://127.0.0.1:${address.port}`, { transports: ['websocket'], reconnection: false });
  socket.on('traffic:frame', (frame) => frames.push(frame));
  const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId }, resolve));
  expect(ack).toEqual({ ok: true });
  expect((await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(202);
  await waitFor(
    'every service ready',
    async () => {
      const status = (await get<DeployStatus>(`/api/worlds/${worldId}/deploy`)).body;
      return status.services.every((s) => s.state === 'ready') ? true : undefined;
    },
    20_000,
  );
}, 30_000);

afterAll(async () => {
  socket?.close();
  await t?.close();
});

describe('the live view against what really happened', () => {
  it('counts in frames equal the requests a load client completed, within one window; /metrics agrees', async () => {
    const status = (await get<DeployStatus>(`/api/worlds/${worldId}/deploy`)).body;
    const edge = status.services.find((s) => s.id === 'edge');
    const identity = await identityOf('loader');
    const pool = new Pool(`https://127.0.0.1:${edge?.port}`, {
      connections: 10,
      connect: { ...identity, servername: 'edge' },
    });
    const before = linkOf(frames.at(-1) as TrafficFrame, 'l6').total.requests;
    expect(before).toBe(0); // nothing calls edge but this test
    let completed = 0;
    let failed = 0;
    const deadline = Date.now() + 10_000;
    const worker = async (share: number) => {
      for (let i = 0; i < share && Date.now() < deadline; i++) {
        const res = await pool.request({ path: '/', method: 'POST', headers: { [HOPS_HEADER]: '4' }, body: '' });
        await res.body.dump();
        if (res.statusCode === 200) completed++;
        else failed++;
      }
    };
    try {
      // concurrency 10, 600 requests, at most 10 s
      const during = nextFrame('a frame during the load', (f) => linkOf(f, 'l6').requests > 0, 8000);
      await Promise.all(Array.from({ length: 10 }, () => worker(60)));
      const seen = await during;
      expect(linkOf(seen, 'l6').figures?.ratePerSec).toBeGreaterThan(0);
    } finally {
      await pool.destroy();
    }
    expect(failed).toBe(0);
    expect(completed).toBeGreaterThan(0);
    const doneAt = Date.now();
    // every completed request made exactly one call edge -> store, which edge reported; within one window it shows
    const frame = await nextFrame('a frame one window after the load', (f) => f.at >= doneAt + SETTLE_MS);
    const l6 = linkOf(frame, 'l6');
    expect(l6.total).toMatchObject({ requests: completed, errors: 0, refused: 0 });
    expect(frame.services.find((s) => s.id === 'edge')?.totalAccepted).toBe(completed);
    expect(frame.services.find((s) => s.id === 'store')?.totalAccepted).toBe(completed);

    const scraped = await get<never>('/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('# TYPE dw_link_latency_ms histogram');
    const labels = { world: worldId, from: 'edge', to: 'store' };
    expect(metric(scraped.text, 'dw_link_requests_total', labels)).toBe(completed);
    expect(metric(scraped.text, 'dw_link_errors_total', labels)).toBe(0);
    expect(metric(scraped.text, 'dw_link_latency_ms_count', labels)).toBe(completed);
    expect(metric(scraped.text, 'dw_link_latency_ms_bucket', { ...labels, le: '+Inf' })).toBe(completed);
    expect(metric(scraped.text, 'dw_link_handshakes_total', labels)).toBeGreaterThan(0);

    // a link with live traffic: the scrape lies between the frame before it and the frame after it
    const last = frames.at(-1) as TrafficFrame;
    const live = metric((await get<never>('/metrics')).text, 'dw_link_requests_total', {
      world: worldId,
      from: 'shopper',
      to: 'gateway',
    });
    const after = await nextFrame('the frame after the scrape', (f) => f.at > last.at);
    expect(live).toBeGreaterThanOrEqual(linkOf(last, 'l1').total.requests);
    expect(live).toBeLessThanOrEqual(linkOf(after, 'l1').total.requests);
  }, 30_000);

  it('shows p50/p99 latency and in/out rates', async () => {
    const frame = await nextFrame('a frame with shopper traffic', (f) => linkOf(f, 'l3').requests > 0);
    const l3 = linkOf(frame, 'l3'); // payments answers after 5 ms
    const figures = l3.figures;
    expect(figures?.latencyMsP50).toBeGreaterThanOrEqual(5);
    expect(figures?.latencyMsP99).toBeGreaterThanOrEqual(figures?.latencyMsP50 as number);
    expect(figures?.latencyMsMean).toBeGreaterThanOrEqual(5);
    expect(figures?.latencyMsMean).toBeLessThanOrEqual(figures?.latencyMsMax as number);
    const orders = frame.services.find((s) => s.id === 'orders');
    expect(orders?.figures?.inPerSec).toBeGreaterThan(0);
    expect(orders?.figures?.out.ratePerSec).toBeGreaterThan(0);
  });

  it('traces a sampled request through three hops and a fan-out, every hop in order', async () => {
    // frames carry sampled messages; one on the first link is the start of a whole request
    const frame = await nextFrame('a sampled message on l1', (f) => (f.samples ?? []).some((s) => s.linkId === 'l1'));
    const sample = (frame.samples ?? []).find((s) => s.linkId === 'l1');
    const traceUrl = `/api/worlds/${worldId}/traces/${sample?.traceId}`;
    // the deeper spans arrive with their services' next batches
    const trace = await waitFor(
      'the whole trace',
      async () => {
        const answer = await get<Trace>(traceUrl);
        return answer.status === 200 && answer.body.spans.length === 8 ? answer.body : undefined;
      },
      5000,
    );
    const hops = trace.spans.map((s) => (s.kind === 'client' ? `${s.service}->${s.to}` : s.service));
    // parents before children, siblings by start: payments and inventory are called in parallel
    const fanOut = hops.slice(4);
    expect(hops.slice(0, 4)).toEqual(['shopper->gateway', 'gateway', 'gateway->orders', 'orders']);
    expect([fanOut.slice(0, 2), fanOut.slice(2)].map((pair) => pair.join(' ')).sort()).toEqual([
      'orders->inventory inventory',
      'orders->payments payments',
    ]);
    // each span's parent is the one that caused it, and a child lies within its parent's time
    const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
    expect(trace.spans[0]?.parentId).toBeNull();
    for (const span of trace.spans.slice(1)) {
      const parent = byId.get(span.parentId as string);
      expect(parent).toBeDefined();
      expect(span.start).toBeGreaterThanOrEqual((parent?.start ?? 0) - 5);
      // spans are timed by different processes: allow a few ms of clock reading between them
      expect(span.start + span.durationMs).toBeLessThanOrEqual((parent?.start ?? 0) + (parent?.durationMs ?? 0) + 5);
      expect(span.outcome).toBe('ok');
    }
    expect(trace.spans.find((s) => s.service === 'payments' && s.kind === 'server')?.durationMs).toBeGreaterThanOrEqual(
      5,
    );

    // listed once its spans had time to arrive (about a second after the first)
    const summary = await waitFor(
      'the trace in the list',
      async () => {
        const list = await get<TraceList>(`/api/worlds/${worldId}/traces?limit=500`);
        expect(list.status).toBe(200);
        return list.body.traces.find((x) => x.traceId === sample?.traceId);
      },
      3000,
    );
    expect(summary).toMatchObject({ root: 'shopper', services: 5, spans: 8, errors: 0 });
    expect((await get(`/api/worlds/${worldId}/traces/${'0'.repeat(31)}1`)).status).toBe(404);
  }, 15_000);

  // last: it stops the deployment
  it("follows one service's stdout and stderr live: the kept lines first, then each new one", async () => {
    const watch = (request: unknown) =>
      new Promise<LogsAck>((resolve) => socket.emit('logs:watch', request as never, resolve));
    expect(await watch({ worldId })).toMatchObject({ ok: false });
    expect(await watch({ worldId, serviceId: 'nobody' })).toMatchObject({ ok: false });
    const ack = await watch({ worldId, serviceId: 'store' });
    if (!ack.ok) throw new Error(ack.error);
    expect(ack.lines.some((l) => l.stream === 'stdout' && /listening on https:\/\/127\.0\.0\.1:\d+/.test(l.line))).toBe(
      true,
    );
    const live: ServiceLogLine[] = [];
    socket.on('service:log', (line) => live.push(line));
    expect((await t.app.inject({ method: 'DELETE', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(200);
    await waitFor('the shutdown line, live', () => live.find((l) => /SIGTERM: shutting down/.test(l.line)), 5000);
    expect(live.every((l) => l.worldId === worldId && l.id === 'store')).toBe(true);
    for (const l of [...ack.lines, ...live]) expect(l.line).not.toMatch(/PRIVATE KEY|x-dw-token/);
  });
});
