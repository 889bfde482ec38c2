// Mesh overhead and telemetry cost: a 3-hop chain (a -> b -> c) driven at concurrency 10 by a closed-loop load
// client, as our services (telemetry on, then off) and as minimal Node mTLS servers using the same client library.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOPS_HEADER, SPAWN_CONFIG_ENV, type SpawnConfig, spiffeId, TELEMETRY_TOKEN_HEADER } from '@dw/world';
import { Pool } from 'undici';
import type { BenchPki, LeafFiles } from './pki.js';
import { freePort, start, stopAll, waitForLine } from './procs.js';

const SERVICE_MAIN = fileURLToPath(new URL('../../services/dist/main.js', import.meta.url));
const REFERENCE_MAIN = fileURLToPath(new URL('./reference-server.js', import.meta.url));
// BENCH_CHAIN_LENGTH=1 or 2 shortens the chain (to see what one hop costs); 3 is the benchmark.
const HOPS = ['a', 'b', 'c'].slice(0, Math.min(3, Math.max(1, Number(process.env.BENCH_CHAIN_LENGTH ?? 3))));
const TOKEN = 'bench-token-0123456789abcdef';

/**
 * mesh-sidecar and mesh-handler: the mesh with telemetry on, hop b being a `process` node (a minimal Node HTTP
 * program behind its sidecar, calling c through the egress) or a service with a handler calling c through
 * ctx.call; mesh-telemetry-on, where b is a built-in service, is their reference.
 */
export type ChainKind = 'reference' | 'mesh-telemetry-on' | 'mesh-telemetry-off' | 'mesh-sidecar' | 'mesh-handler';

export interface ChainResult {
  kind: ChainKind;
  requests: number;
  failed: number;
  seconds: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU time (user + system, from /proc) each hop process spent per completed request while measuring, in
   * microseconds: what a hop costs, far less sensitive to the machine's other load than the request rate.
   */
  cpuUsPerRequest: { a: number; b: number; c: number; load: number };
}

/**
 * User + system CPU time of a process and every process under it so far, in microseconds (Linux /proc; clock
 * ticks of 10 ms): a sidecar's own and its program's (under its keeper and shell) together.
 */
function cpuMicros(pid: number | undefined, depth = 0): number {
  if (pid === undefined || depth > 4) return 0;
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    children = [];
  }
  for (const child of children) total += cpuMicros(child, depth + 1);
  return total;
}

/** The program of the sidecar benchmark: answers each call after one call to c through its egress. */
const SIDECAR_PROGRAM = `
import * as http from 'node:http';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const egress = Number(process.env.DW_EGRESS);
http.createServer((req, res) => {
  req.resume();
  const headers = { 'content-length': '0' };
  for (const name of ['traceparent', 'x-dw-hops']) if (req.headers[name]) headers[name] = req.headers[name];
  const out = http.request({ host: '127.0.0.1', port: egress, path: '/c/', method: 'POST', agent, headers }, (answer) => {
    answer.resume();
    answer.on('end', () => {
      res.writeHead(answer.statusCode === 200 ? 200 : 502, { 'content-type': 'application/json', 'content-length': '11' });
      res.end('{"ok":true}');
    });
  });
  out.on('error', () => { res.writeHead(502, { 'content-length': '0' }); res.end(); });
  out.end();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The handler of the handler benchmark: the same, through ctx.call. */
const HANDLER = `export default async (request, ctx) => {
  const answer = await ctx.call('c');
  return { status: answer.status === 200 ? 200 : 502, body: { ok: true } };
};`;

/** A telemetry endpoint that accepts batches and counts them (the controller's role, minus the aggregation). */
export async function telemetrySink(): Promise<{ url: string; batches: () => number; close: () => Promise<void> }> {
  let batches = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers[TELEMETRY_TOKEN_HEADER] === TOKEN) batches++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/telemetry`,
    batches: () => batches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startMesh(
  pki: BenchPki,
  leaves: Map<string, LeafFiles>,
  telemetry: boolean,
  sinkUrl: string,
  middle: 'service' | 'process' | 'handler' = 'service',
) {
  const programFile = join(pki.dir, 'sidecar-program.mjs');
  if (middle === 'process') writeFileSync(programFile, SIDECAR_PROGRAM);
  const ports = await Promise.all(HOPS.map(() => freePort()));
  const started: Promise<unknown>[] = [];
  const children: ChildProcess[] = [];
  HOPS.forEach((id, i) => {
    const leaf = leaves.get(id) as LeafFiles;
    const next = HOPS[i + 1];
    const common = {
      worldId: pki.worldId,
      serviceId: id,
      rev: 1,
      listen: { host: '127.0.0.1', port: ports[i] as number },
      identity: { certFile: leaf.certFile, keyFile: leaf.keyFile, caFile: leaf.caFile },
      peers: next ? [{ linkId: `l${i + 1}`, id: next, url: `https://127.0.0.1:${ports[i + 1]}` }] : [],
      allowedCallers: [spiffeId(pki.worldId, i === 0 ? 'load' : (HOPS[i - 1] as string))],
      hopBudget: 8,
      telemetry: { url: sinkUrl, token: TOKEN, intervalMs: 100, enabled: telemetry },
    };
    const config: SpawnConfig =
      id === 'b' && middle === 'process'
        ? { ...common, kind: 'process', behaviour: { command: `"${process.execPath}" "${programFile}"` } }
        : id === 'b' && middle === 'handler'
          ? { ...common, kind: 'service', behaviour: { handler: HANDLER } }
          : { ...common, kind: 'service', behaviour: { latencyMs: 0, errorRate: 0 } };
    const child = start(SERVICE_MAIN, { [SPAWN_CONFIG_ENV]: JSON.stringify(config) }, `service ${id}`);
    children.push(child);
    started.push(waitForLine(child, /listening on https:/, 15_000, `service ${id}`));
  });
  await Promise.all(started);
  return { port: ports[0] as number, children };
}

async function startReference(leaves: Map<string, LeafFiles>) {
  const ports = await Promise.all(HOPS.map(() => freePort()));
  const started: Promise<unknown>[] = [];
  const children: ChildProcess[] = [];
  HOPS.forEach((id, i) => {
    const leaf = leaves.get(id) as LeafFiles;
    const next = HOPS[i + 1];
    const config = {
      port: ports[i],
      certFile: leaf.certFile,
      keyFile: leaf.keyFile,
      caFile: leaf.caFile,
      ...(next ? { next: { url: `https://127.0.0.1:${ports[i + 1]}`, servername: next } } : {}),
    };
    const child = start(REFERENCE_MAIN, { DW_REFERENCE_CONFIG: JSON.stringify(config) }, `reference ${id}`);
    children.push(child);
    started.push(waitForLine(child, /listening on \d+/, 15_000, `reference ${id}`));
  });
  await Promise.all(started);
  return { port: ports[0] as number, children };
}

/** Closed loop: `concurrency` workers, each sending its next request when the last is answered. */
async function drive(
  port: number,
  hops: ChildProcess[],
  load: LeafFiles,
  concurrency: number,
  warmupMs: number,
  measureMs: number,
) {
  const pool = new Pool(`https://127.0.0.1:${port}`, {
    connections: concurrency,
    connect: { cert: load.pem.certPem, key: load.pem.keyPem, ca: load.caPem, servername: 'a' },
  });
  const MAX_REQUESTS = 2_000_000; // a bound in count as well as in time
  let measuring = false;
  let done = false;
  let requests = 0;
  let failed = 0;
  let issued = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (!done && issued < MAX_REQUESTS) {
      issued++;
      const t0 = performance.now();
      let good = false;
      try {
        const res = await pool.request({ path: '/', method: 'POST', headers: { [HOPS_HEADER]: '8' }, body: '' });
        await res.body.dump();
        good = res.statusCode === 200;
      } catch {
        good = false;
      }
      if (!measuring || done) continue;
      if (good) {
        requests++;
        if (latencies.length < 200_000) latencies.push(performance.now() - t0);
      } else failed++;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const cpuBefore = hops.map((h) => cpuMicros(h.pid));
  const ownBefore = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  done = true;
  const seconds = (performance.now() - t0) / 1000;
  const cpuSpent = hops.map((h, i) => cpuMicros(h.pid) - (cpuBefore[i] as number));
  const own = process.cpuUsage(ownBefore);
  await Promise.all(workers);
  await pool.destroy();
  latencies.sort((x, y) => x - y);
  const q = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) / 100;
  const perRequest = (us: number) => Math.round(us / Math.max(1, requests));
  return {
    requests,
    failed,
    seconds,
    perSec: Math.round(requests / seconds),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    cpuUsPerRequest: {
      a: perRequest(cpuSpent[0] ?? 0),
      b: perRequest(cpuSpent[1] ?? 0),
      c: perRequest(cpuSpent[2] ?? 0),
      load: perRequest(own.user + own.system),
    },
  };
}

export async function runChain(
  kind: ChainKind,
  pki: BenchPki,
  leaves: Map<string, LeafFiles>,
  sinkUrl: string,
  opts: { concurrency: number; warmupMs: number; measureMs: number },
): Promise<ChainResult> {
  try {
    const { port, children } =
      kind === 'reference'
        ? await startReference(leaves)
        : await startMesh(
            pki,
            leaves,
            kind !== 'mesh-telemetry-off',
            sinkUrl,
            kind === 'mesh-sidecar' ? 'process' : kind === 'mesh-handler' ? 'handler' : 'service',
          );
    const load = leaves.get('load') as LeafFiles;
    const result = await drive(port, children, load, opts.concurrency, opts.warmupMs, opts.measureMs);
    return { kind, ...result };
  } finally {
    await stopAll();
  }
}
