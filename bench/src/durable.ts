// Queue throughput and store operations, each against a reference in the same run.
//
// Queue: a closed-loop producer (concurrency 16, 256-byte messages) publishes to a queue process that delivers
// to one consumer service; the reference is the same producer calling a service that calls the same consumer
// directly (the same mesh: mTLS, authorization, trace context, telemetry). Measured: messages acknowledged to the
// producer per second, messages the consumer accepted per second (its own /_dw/stats, read as the controller),
// the producer's latency, the depth left, and CPU per delivered message. The queue runs durable (fsync before
// every acknowledgement, in groups) and in memory (`durable: false`), to show what the disk costs.
//
// Store: the same closed loop PUTs (128-byte values over 10,000 keys), then GETs random keys, against a store
// process and against an in-memory Map behind the same mTLS server (reference-store.ts).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_ID, HOPS_HEADER, SPAWN_CONFIG_ENV, type SpawnConfig, spiffeId } from '@dw/world';
import { Pool } from 'undici';
import type { BenchPki, LeafFiles } from './pki.js';
import { freePort, start, waitForLine } from './procs.js';

const SERVICE_MAIN = fileURLToPath(new URL('../../services/dist/main.js', import.meta.url));
const REFERENCE_STORE_MAIN = fileURLToPath(new URL('./reference-store.js', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';
const CONCURRENCY = 16;
const MAX_REQUESTS = 2_000_000;

export type QueueKind = 'direct' | 'queue-memory' | 'queue-durable';
export type StoreKind = 'reference-map' | 'store';

export interface Timings {
  warmupMs: number;
  measureMs: number;
}

/** User + system CPU time of a process so far, in microseconds (Linux /proc). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

function config(
  pki: BenchPki,
  leaf: LeafFiles,
  sinkUrl: string,
  spec: Pick<SpawnConfig, 'serviceId' | 'kind' | 'behaviour' | 'peers'> & {
    port: number;
    callers: string[];
    dataDir?: string;
  },
): SpawnConfig {
  return {
    worldId: pki.worldId,
    serviceId: spec.serviceId,
    rev: 1,
    listen: { host: '127.0.0.1', port: spec.port },
    identity: { certFile: leaf.certFile, keyFile: leaf.keyFile, caFile: leaf.caFile },
    peers: spec.peers,
    allowedCallers: spec.callers.map((id) => spiffeId(pki.worldId, id)),
    hopBudget: 8,
    telemetry: { url: sinkUrl, token: TOKEN, intervalMs: 100 },
    kind: spec.kind,
    behaviour: spec.behaviour,
    ...(spec.dataDir ? { dataDir: spec.dataDir } : {}),
  } as SpawnConfig;
}

async function startService(script: string, spawn: SpawnConfig, env: string): Promise<ChildProcess> {
  const child = start(script, { [env]: JSON.stringify(spawn) }, spawn.serviceId);
  await waitForLine(child, /listening on/, 20_000, spawn.serviceId);
  return child;
}

/** GET a process's own route as the controller (its /_dw/stats, a queue's GET /). */
function getJson(port: number, serviceId: string, path: string, leaf: LeafFiles): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: serviceId,
        cert: leaf.pem.certPem,
        key: leaf.pem.keyPem,
        ca: leaf.caPem,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(JSON.parse(text || '{}')));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const acceptedFrom = async (port: number, serviceId: string, from: string, controller: LeafFiles) => {
  const stats = await getJson(port, serviceId, '/_dw/stats', controller);
  return (stats.accepted as Record<string, number> | undefined)?.[from] ?? 0;
};

interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

/** A closed loop of `request()` with CONCURRENCY workers: warm-up, then `measure()` runs while it counts. */
async function closedLoop(
  port: number,
  servername: string,
  load: LeafFiles,
  request: (pool: Pool, i: number) => Promise<boolean>,
  timings: Timings,
  during: { before?: () => Promise<void>; after?: () => Promise<void> } = {},
): Promise<LoadResult> {
  const pool = new Pool(`https://127.0.0.1:${port}`, {
    connections: CONCURRENCY,
    connect: { cert: load.pem.certPem, key: load.pem.keyPem, ca: load.caPem, servername },
  });
  let measuring = false;
  let done = false;
  let issued = 0;
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (!done && issued < MAX_REQUESTS) {
      const i = issued++;
      const t0 = performance.now();
      let good = false;
      try {
        good = await request(pool, i);
      } catch {
        good = false;
      }
      if (!measuring || done) continue;
      if (good) {
        ok++;
        if (latencies.length < 200_000) latencies.push(performance.now() - t0);
      } else failed++;
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await new Promise((r) => setTimeout(r, timings.warmupMs));
  await during.before?.();
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, timings.measureMs));
  done = true;
  const seconds = (performance.now() - t0) / 1000;
  await during.after?.();
  await Promise.all(workers);
  await pool.destroy();
  latencies.sort((x, y) => x - y);
  const q = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) / 100;
  return { ok, failed, seconds, p50Ms: q(0.5), p99Ms: q(0.99) };
}

export interface QueueResult {
  kind: QueueKind;
  /** Messages (or direct calls) the producer got a 2xx for, per second. */
  acknowledgedPerSec: number;
  /** Messages the consumer accepted over the same seconds, per second. */
  deliveredPerSec: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Messages still in the queue when the measurement ended (0 for direct). */
  depthAtEnd: number;
  /** CPU time of the middle process (the queue, or the calling service) and the consumer per delivered message. */
  cpuUsPerDelivered: { middle: number; consumer: number };
}

export async function runQueue(
  kind: QueueKind,
  pki: BenchPki,
  leaves: Map<string, LeafFiles>,
  sinkUrl: string,
  timings: Timings,
): Promise<QueueResult> {
  const leaf = (id: string) => leaves.get(id) as LeafFiles;
  const middleId = kind === 'direct' ? 'a' : 'q';
  const [middlePort, consumerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'dw-bench-queue-'));
  const children: ChildProcess[] = [];
  try {
    const consumer = await startService(
      SERVICE_MAIN,
      config(pki, leaf('c'), sinkUrl, {
        serviceId: 'c',
        kind: 'service',
        behaviour: { latencyMs: 0 },
        peers: [],
        port: consumerPort,
        callers: [middleId],
      }),
      SPAWN_CONFIG_ENV,
    );
    children.push(consumer);
    const peers = [{ linkId: 'l2', id: 'c', url: `https://127.0.0.1:${consumerPort}` }];
    const middle = await startService(
      SERVICE_MAIN,
      kind === 'direct'
        ? config(pki, leaf('a'), sinkUrl, {
            serviceId: 'a',
            kind: 'service',
            behaviour: { latencyMs: 0 },
            peers,
            port: middlePort,
            callers: ['load'],
          })
        : config(pki, leaf('q'), sinkUrl, {
            serviceId: 'q',
            kind: 'queue',
            behaviour: { durable: kind === 'queue-durable', maxMessages: 1_000_000, inFlightPerConsumer: 32 },
            peers,
            port: middlePort,
            callers: ['load'],
            dataDir,
          }),
      SPAWN_CONFIG_ENV,
    );
    children.push(middle);
    const controller = leaf(CONTROLLER_ID);
    const body = Buffer.alloc(256, 'm');
    let deliveredBefore = 0;
    let deliveredAfter = 0;
    let cpuBefore: number[] = [];
    let cpuAfter: number[] = [];
    const result = await closedLoop(
      middlePort,
      middleId,
      leaf('load'),
      async (pool) => {
        const res = await pool.request({ path: '/', method: 'POST', headers: { [HOPS_HEADER]: '8' }, body });
        await res.body.dump();
        return res.statusCode >= 200 && res.statusCode < 300;
      },
      timings,
      {
        before: async () => {
          deliveredBefore = await acceptedFrom(consumerPort, 'c', middleId, controller);
          cpuBefore = [middle.pid, consumer.pid].map(cpuMicros);
        },
        after: async () => {
          deliveredAfter = await acceptedFrom(consumerPort, 'c', middleId, controller);
          cpuAfter = [middle.pid, consumer.pid].map(cpuMicros);
        },
      },
    );
    const depthAtEnd =
      kind === 'direct' ? 0 : Number((await getJson(middlePort, 'q', '/', leaf('load'))).depth ?? Number.NaN);
    const delivered = deliveredAfter - deliveredBefore;
    const per = (i: number) => Math.round(((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / Math.max(1, delivered));
    return {
      kind,
      acknowledgedPerSec: Math.round(result.ok / result.seconds),
      deliveredPerSec: Math.round(delivered / result.seconds),
      failed: result.failed,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      depthAtEnd,
      cpuUsPerDelivered: { middle: per(0), consumer: per(1) },
    };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface StoreResult {
  kind: StoreKind;
  writesPerSec: number;
  writeP50Ms: number;
  writeP99Ms: number;
  readsPerSec: number;
  readP50Ms: number;
  readP99Ms: number;
  failed: number;
}

const KEYS = 10_000;

export async function runStore(
  kind: StoreKind,
  pki: BenchPki,
  leaves: Map<string, LeafFiles>,
  sinkUrl: string,
  timings: Timings,
): Promise<StoreResult> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'dw-bench-store-'));
  let child: ChildProcess | undefined;
  try {
    const spawn = config(pki, leaves.get('db') as LeafFiles, sinkUrl, {
      serviceId: 'db',
      kind: 'store',
      behaviour: {},
      peers: [],
      port,
      callers: ['load'],
      dataDir,
    });
    child =
      kind === 'store'
        ? await startService(SERVICE_MAIN, spawn, SPAWN_CONFIG_ENV)
        : await startService(REFERENCE_STORE_MAIN, spawn, 'DW_REFERENCE_CONFIG');
    const load = leaves.get('load') as LeafFiles;
    const value = Buffer.alloc(128, 'v');
    const writes = await closedLoop(
      port,
      'db',
      load,
      async (pool, i) => {
        const res = await pool.request({ path: `/kv/k${i % KEYS}`, method: 'PUT', body: value });
        await res.body.dump();
        return res.statusCode === 200 || res.statusCode === 201;
      },
      timings,
    );
    const reads = await closedLoop(
      port,
      'db',
      load,
      async (pool) => {
        const res = await pool.request({ path: `/kv/k${Math.floor(Math.random() * KEYS)}`, method: 'GET' });
        await res.body.dump();
        return res.statusCode === 200 || res.statusCode === 404;
      },
      timings,
    );
    return {
      kind,
      writesPerSec: Math.round(writes.ok / writes.seconds),
      writeP50Ms: writes.p50Ms,
      writeP99Ms: writes.p99Ms,
      readsPerSec: Math.round(reads.ok / reads.seconds),
      readP50Ms: reads.p50Ms,
      readP99Ms: reads.p99Ms,
      failed: writes.failed + reads.failed,
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      setTimeout(() => child?.kill('SIGKILL'), 3000).unref();
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
