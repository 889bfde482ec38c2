// `npm run bench` at the root: every benchmark, each against a reference measured in the same run. Results go to
// stdout and bench/results/latest.json; BENCHMARKS.md explains the method and records a run.
// Select with arguments: chain, sidecar, frames, recording, browser, queue, store (default: these seven), soak (only by
// name: 10 minutes), churn (only by name: 2 minutes), scale (only by name: a few minutes). Quick settings: BENCH_QUICK=1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CONTROLLER_ID } from '@dw/world';
import { type BrowserResult, runBrowser } from './browser.js';
import { type ChainResult, runChain, telemetrySink } from './chain.js';
import { type ChurnRow, runChurn } from './churn.js';
import { startController } from './controller.js';
import { type QueueKind, type QueueResult, runQueue, runStore, type StoreKind, type StoreResult } from './durable.js';
import { type FrameResult, runFrames } from './frames.js';
import { BenchPki } from './pki.js';
import { stopAll } from './procs.js';
import { type RecordingCpuRun, runRecordingBytes, runRecordingCpu } from './recording.js';
import { runScale } from './scale.js';
import { runSoak, type SoakResult, segmentTable } from './soak.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
const quick = process.env.BENCH_QUICK === '1';

/**
 * A numeric BENCH_* setting: comma-separated positive numbers (one unless `list`), or the default when unset. A
 * typo stops the run here, naming the variable, instead of running with NaN (a 1 ms settle, a NaN rate).
 */
function envNumbers(name: string, fallback: number[], list = false): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((x) => Number(x.trim()));
  if (values.some((v) => !Number.isFinite(v) || v <= 0) || (!list && values.length !== 1)) {
    throw new Error(
      `${name} must be ${list ? 'positive numbers separated by commas' : 'a positive number'}, not ${JSON.stringify(raw)}`,
    );
  }
  return values;
}
const envNumber = (name: string, fallback: number) => envNumbers(name, [fallback])[0] as number;
process.chdir(new URL('..', import.meta.url).pathname);
mkdirSync('results', { recursive: true });

const report: Record<string, unknown> = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function chains(): Promise<void> {
  const pki = await BenchPki.create('bench');
  const sink = await telemetrySink();
  try {
    const leaves = new Map(
      await Promise.all(['load', 'a', 'b', 'c'].map(async (id) => [id, await pki.leaf(id)] as const)),
    );
    const opts = { concurrency: 10, warmupMs: quick ? 1000 : 2000, measureMs: quick ? 3000 : 8000 };
    const rounds = quick ? 1 : 3;
    // BENCH_CHAIN_KINDS=mesh-telemetry-on,reference runs only those (for profiling one of them)
    const kinds = (process.env.BENCH_CHAIN_KINDS?.split(',') ?? [
      'reference',
      'mesh-telemetry-on',
      'mesh-telemetry-off',
    ]) as ChainResult['kind'][];
    const runs: ChainResult[] = [];
    // interleaved rounds, each in a rotated order, so a busy neighbour on the machine (or whatever the previous run
    // left behind) hurts every kind alike
    for (let round = 0; round < rounds; round++) {
      for (const kind of [...kinds.slice(round % kinds.length), ...kinds.slice(0, round % kinds.length)]) {
        const r = await runChain(kind, pki, leaves, sink.url, opts);
        runs.push(r);
        process.stdout.write(`  chain round ${round + 1} ${kind}: ${JSON.stringify(r)}\n`);
      }
    }
    const rate = (kind: ChainResult['kind']) => median(runs.filter((r) => r.kind === kind).map((r) => r.perSec));
    const reference = rate('reference');
    const on = rate('mesh-telemetry-on');
    const off = rate('mesh-telemetry-off');
    report.chain = {
      settings: { ...opts, rounds },
      runs,
      medianPerSec: { reference, meshTelemetryOn: on, meshTelemetryOff: off },
      meshOverheadRatio: Math.round((on / reference) * 1000) / 1000,
      telemetryCostRatio: Math.round((on / off) * 1000) / 1000,
      telemetryBatchesReceived: sink.batches(),
    };
  } finally {
    await sink.close();
    pki.cleanup();
  }
}

/**
 * What a sidecar costs: the same 3-hop chain with hop b a built-in service (the reference), a process node (a
 * minimal Node program behind its sidecar, calling c through its egress), and a service with a handler.
 */
async function sidecars(): Promise<void> {
  const pki = await BenchPki.create('bench');
  const sink = await telemetrySink();
  try {
    const leaves = new Map(
      await Promise.all(['load', 'a', 'b', 'c'].map(async (id) => [id, await pki.leaf(id)] as const)),
    );
    const opts = { concurrency: 10, warmupMs: quick ? 1000 : 2000, measureMs: quick ? 3000 : 8000 };
    const count = quick ? 1 : 3;
    const kinds: ChainResult['kind'][] = ['mesh-telemetry-on', 'mesh-sidecar', 'mesh-handler'];
    const runs = await rounds(kinds, count, (kind) => runChain(kind, pki, leaves, sink.url, opts), 'sidecar');
    const of = (kind: ChainResult['kind'], pick: (r: ChainResult) => number) =>
      median(runs.filter((r) => r.kind === kind).map(pick));
    const ratio = (x: number, y: number) => Math.round((x / y) * 1000) / 1000;
    const builtIn = of('mesh-telemetry-on', (r) => r.perSec);
    const sidecar = of('mesh-sidecar', (r) => r.perSec);
    const handler = of('mesh-handler', (r) => r.perSec);
    const cpuB = (kind: ChainResult['kind']) => of(kind, (r) => r.cpuUsPerRequest.b);
    report.sidecar = {
      settings: { ...opts, rounds: count },
      runs,
      medianPerSec: { builtIn, sidecar, handler },
      sidecarRateRatio: ratio(sidecar, builtIn),
      handlerRateRatio: ratio(handler, builtIn),
      medianCpuUsPerRequestOfB: {
        builtIn: cpuB('mesh-telemetry-on'),
        sidecar: cpuB('mesh-sidecar'),
        handler: cpuB('mesh-handler'),
      },
      sidecarCpuRatio: ratio(cpuB('mesh-sidecar'), cpuB('mesh-telemetry-on')),
      handlerCpuRatio: ratio(cpuB('mesh-handler'), cpuB('mesh-telemetry-on')),
    };
  } finally {
    await sink.close();
    pki.cleanup();
  }
}

/** Interleaved rounds of each kind, each round in a rotated order (a busy neighbour hurts every kind alike). */
async function rounds<K extends string, R>(kinds: K[], count: number, run: (kind: K) => Promise<R>, name: string) {
  const runs: R[] = [];
  for (let round = 0; round < count; round++) {
    for (const kind of [...kinds.slice(round % kinds.length), ...kinds.slice(0, round % kinds.length)]) {
      const r = await run(kind);
      runs.push(r);
      process.stdout.write(`  ${name} round ${round + 1} ${kind}: ${JSON.stringify(r)}\n`);
    }
  }
  return runs;
}

async function durables(which: { queue: boolean; store: boolean }): Promise<void> {
  const pki = await BenchPki.create('bench');
  const sink = await telemetrySink();
  try {
    const ids = ['load', 'a', 'q', 'c', 'db', CONTROLLER_ID];
    const leaves = new Map(await Promise.all(ids.map(async (id) => [id, await pki.leaf(id)] as const)));
    const timings = { warmupMs: quick ? 1000 : 2000, measureMs: quick ? 3000 : 8000 };
    const count = quick ? 1 : 2;
    if (which.queue) {
      process.stdout.write(
        'queue throughput: producer -> queue -> consumer, against producer -> service -> consumer\n',
      );
      const kinds: QueueKind[] = ['direct', 'queue-durable', 'queue-memory'];
      const runs = await rounds(kinds, count, (k) => runQueue(k, pki, leaves, sink.url, timings), 'queue');
      const med = (kind: QueueKind, field: 'acknowledgedPerSec' | 'deliveredPerSec') =>
        median(runs.filter((r: QueueResult) => r.kind === kind).map((r) => r[field]));
      const direct = med('direct', 'deliveredPerSec');
      report.queue = {
        settings: { ...timings, rounds: count, concurrency: 16, messageBytes: 256 },
        runs,
        medianDeliveredPerSec: {
          direct,
          queueDurable: med('queue-durable', 'deliveredPerSec'),
          queueMemory: med('queue-memory', 'deliveredPerSec'),
        },
        medianAcknowledgedPerSec: {
          direct: med('direct', 'acknowledgedPerSec'),
          queueDurable: med('queue-durable', 'acknowledgedPerSec'),
          queueMemory: med('queue-memory', 'acknowledgedPerSec'),
        },
        durableToDirectRatio: Math.round((med('queue-durable', 'deliveredPerSec') / direct) * 1000) / 1000,
        memoryToDirectRatio: Math.round((med('queue-memory', 'deliveredPerSec') / direct) * 1000) / 1000,
      };
    }
    if (which.store) {
      process.stdout.write('store: PUTs then GETs, against an in-memory Map behind the same mTLS server\n');
      const kinds: StoreKind[] = ['reference-map', 'store'];
      const runs = await rounds(kinds, count, (k) => runStore(k, pki, leaves, sink.url, timings), 'store');
      const med = (kind: StoreKind, field: 'writesPerSec' | 'readsPerSec') =>
        median(runs.filter((r: StoreResult) => r.kind === kind).map((r) => r[field]));
      report.store = {
        settings: { ...timings, rounds: count, concurrency: 16, valueBytes: 128, keys: 10_000 },
        runs,
        medianPerSec: {
          referenceWrites: med('reference-map', 'writesPerSec'),
          storeWrites: med('store', 'writesPerSec'),
          referenceReads: med('reference-map', 'readsPerSec'),
          storeReads: med('store', 'readsPerSec'),
        },
        writeRatio: Math.round((med('store', 'writesPerSec') / med('reference-map', 'writesPerSec')) * 1000) / 1000,
        readRatio: Math.round((med('store', 'readsPerSec') / med('reference-map', 'readsPerSec')) * 1000) / 1000,
      };
    }
  } finally {
    await stopAll();
    await sink.close();
    pki.cleanup();
  }
}

async function withController<T>(
  fn: (c: Awaited<ReturnType<typeof startController>>) => Promise<T>,
  env: Record<string, string> = {},
): Promise<T> {
  const controller = await startController(env);
  try {
    return await fn(controller);
  } finally {
    await stopAll();
    controller.cleanup();
  }
}

try {
  if (all || wanted.has('chain')) {
    process.stdout.write('mesh overhead and telemetry cost (3-hop chain, concurrency 10)\n');
    await chains();
  }
  if (all || wanted.has('sidecar')) {
    process.stdout.write(
      "a sidecar's cost: the 3-hop chain with b built in, a process behind its sidecar, a handler\n",
    );
    await sidecars();
  }
  if (all || wanted.has('frames')) {
    process.stdout.write('frame bytes per second against message rate (2 clients, 5 services, 10 links)\n');
    const rates = envNumbers('BENCH_RATES', quick ? [100, 1000] : [100, 300, 1000, 2000, 3000, 5000, 10000], true);
    const results: FrameResult[] = await withController((c) => runFrames(c, rates, quick ? 3000 : 6000));
    const base = results[0]?.bytesPerSec ?? 1;
    report.frames = results.map((r) => ({ ...r, bytesRatioTo100: Math.round((r.bytesPerSec / base) * 1000) / 1000 }));
  }
  if (all || wanted.has('recording')) {
    process.stdout.write('recording runs: controller CPU on against off, recorded bytes against message rate\n');
    const rate = envNumber('BENCH_RECORDING_RATE', 1000);
    const runs: RecordingCpuRun[] = await runRecordingCpu(rate, quick ? 1 : 5, quick ? 4000 : 15_000);
    const medianOf = (on: boolean, pick: (r: RecordingCpuRun) => number) =>
      median(runs.filter((r) => r.recording === on).map(pick));
    const offShare = medianOf(false, (r) => r.cpuShare);
    const onShare = medianOf(true, (r) => r.cpuShare);
    const offPerMessage = medianOf(false, (r) => r.cpuUsPerMessage);
    const onPerMessage = medianOf(true, (r) => r.cpuUsPerMessage);
    const rates = envNumbers('BENCH_RATES', quick ? [100, 1000] : [100, 300, 1000, 2000, 3000], true);
    const bytes = await runRecordingBytes(rates, quick ? 3000 : 6000);
    const base = bytes[0]?.recordedBytesPerSec || 1;
    report.recording = {
      rate,
      runs,
      medianCpuShare: { off: offShare, on: onShare },
      cpuRatio: Math.round((onShare / offShare) * 1000) / 1000,
      medianCpuUsPerMessage: { off: offPerMessage, on: onPerMessage },
      cpuPerMessageRatio: Math.round((onPerMessage / offPerMessage) * 1000) / 1000,
      bytes: bytes.map((r) => ({ ...r, bytesRatioTo100: Math.round((r.recordedBytesPerSec / base) * 1000) / 1000 })),
    };
    process.stdout.write(`  ${JSON.stringify(report.recording)}\n`);
  }
  if (all || wanted.has('browser')) {
    // BENCH_BROWSER_N=200: the same shape at 200 services and 300 links (the scale goal's editor figure);
    // BENCH_BROWSER_RPS: each client's requests a second on each of its links (2)
    const n = envNumber('BENCH_BROWSER_N', 100);
    const rps = envNumber('BENCH_BROWSER_RPS', 2);
    process.stdout.write(
      `the editor in headless Chromium, ${n} services, ${Math.floor(n * 1.5)} links, ~${rps} req/s per link\n`,
    );
    const env: Record<string, string> = n > 100 ? { DW_MAX_PROCESSES: String(n + 10) } : {};
    const settleMs = envNumber('BENCH_BROWSER_SETTLE_MS', 120_000);
    const results: BrowserResult[] = await withController(
      (c) => runBrowser(c, { measureMs: quick ? 5000 : 10_000, services: n, rps, settleMs }),
      env,
    );
    report.browser = results;
  }
  if (all || wanted.has('queue') || wanted.has('store')) {
    await durables({ queue: all || wanted.has('queue'), store: all || wanted.has('store') });
  }
  // Many services on one machine (a few minutes): only when asked for by name. BENCH_SCALE_N=50,100,200 (default).
  if (wanted.has('scale')) {
    const sizes = envNumbers('BENCH_SCALE_N', [50, 100, 200], true);
    process.stdout.write(`scale: a tree of N services deployed by the controller, N = ${sizes.join(', ')}\n`);
    const pki = await BenchPki.create('bench');
    try {
      // room for the largest world whatever this machine's default process budget
      const env = { DW_MAX_PROCESSES: String(Math.max(...sizes) + 10) };
      report.scale = await withController(
        (c) =>
          runScale(c, pki, sizes, {
            framesMs: quick ? 5000 : 10_000,
            settleMs: envNumber('BENCH_SCALE_SETTLE_MS', 60_000),
          }),
        env,
      );
    } finally {
      pki.cleanup();
    }
  }
  // Memory under connection churn, the soak's companion: only when asked for by name.
  if (wanted.has('churn')) {
    process.stdout.write('one service: kept-alive requests, then a new mTLS connection per request, then idle\n');
    const pki = await BenchPki.create('bench');
    const sink = await telemetrySink();
    try {
      const opts = quick
        ? { keptAlive: 4000, connections: 2000, rounds: 2, idleS: 35 }
        : { keptAlive: 20_000, connections: 8000, rounds: 4, idleS: 35 };
      const rows: ChurnRow[] = await runChurn(pki, sink.url, opts);
      report.churn = { settings: opts, rows };
    } finally {
      await sink.close();
      pki.cleanup();
    }
  }
  // The soak is long (10 minutes by default): only when asked for by name. BENCH_SOAK_MINUTES overrides;
  // BENCH_SOAK_WARMUP_S (60) is left out of the slopes; BENCH_SOAK_SEGMENT_MINUTES (10) is the length of a segment.
  if (wanted.has('soak')) {
    const minutes = envNumber('BENCH_SOAK_MINUTES', quick ? 2 : 10);
    const warmupS = envNumber('BENCH_SOAK_WARMUP_S', 60);
    const segmentMinutes = envNumber('BENCH_SOAK_SEGMENT_MINUTES', quick ? 1 : 10);
    process.stdout.write(`soak: a 20-service world under steady load for ${minutes} minutes\n`);
    const result: SoakResult = await withController((c) => runSoak(c, { minutes, warmupS, segmentMinutes }));
    // every sample goes to latest.json (about 1 KB each); stdout gets the summary and the per-segment table
    report.soak = result;
    const { samples, ...summary } = result;
    process.stdout.write(`  soak summary (${samples.length} samples): ${JSON.stringify(summary)}\n`);
    process.stdout.write(`${segmentTable(result)}\n`);
  }
} finally {
  await stopAll();
  report.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  writeFileSync('results/latest.json', `${JSON.stringify(report, null, 2)}\n`);
  // the soak's samples stay in the file only (thousands of lines)
  const soak = report.soak as SoakResult | undefined;
  const printed = soak ? { ...report, soak: { ...soak, samples: `${soak.samples.length} samples` } } : report;
  process.stdout.write(`${JSON.stringify(printed, null, 2)}\nwritten to bench/results/latest.json\n`);
}
