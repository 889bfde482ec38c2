// Many services on one machine: the real controller deploys a tree of N services (one client fanning out), timed
// from POST /deploy until every service is ready, with each service process's memory (PSS, RSS), the controller's
// CPU and memory, and, at the largest N, the live frames' interval over a socket.io client. The reference, in the
// same run: a bare Node mTLS server with the same TLS settings forked N times at once, timed until all listen,
// and its memory. Figures are reported as ratios to the reference.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type ClientToServerEvents,
  type DeployStatus,
  FRAME_INTERVAL_MS,
  type ServerToClientEvents,
  type World,
} from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import type { Controller } from './controller.js';
import type { BenchPki } from './pki.js';
import { freePort, start, waitForLine } from './procs.js';

const BARE = fileURLToPath(new URL('./reference-bare.js', import.meta.url));
const SERVICE_MAIN = fileURLToPath(new URL('../../services/dist/main.js', import.meta.url));
const FANOUT = 4;
const CLIENT_RPS = 1;

export interface Memory {
  /** Per process, kB: median and largest. */
  pssMedianKb: number;
  pssMaxKb: number;
  rssMedianKb: number;
  rssMaxKb: number;
  /** Of all the processes together, MB. */
  pssTotalMb: number;
}

export interface ScaleRun {
  n: number;
  /** POST /deploy until every service is ready (ms). */
  deployMs: number;
  /** A bare mTLS server forked n times at once, until all listen (ms). */
  referenceMs: number;
  deployRatio: number;
  services: Memory;
  reference: Memory;
  pssRatio: number;
  /** CPU seconds the controller spent from POST /deploy to all ready; its memory once all are ready. */
  controllerCpuS: number;
  controllerRssMb: number;
  controllerPssMb: number;
  /** CPU seconds the service processes spent until all were ready, together; the reference's until all listened. */
  servicesCpuS: number;
  referenceCpuS: number;
  loadavg: number[];
}

export interface FrameCadence {
  n: number;
  /** How long after every service was ready the steady state was measured. */
  settledMs: number;
  expectedMs: number;
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Links that carried requests in the frames measured (traffic flows through the tree), of n - 1. */
  linksWithTraffic: number;
  /** CPU over the measured window in shares of one core: every service process together, and the controller. */
  servicesCpuShare: number;
  controllerCpuShare: number;
  /** Why the live view could not be watched (no frames were measured), if it could not. */
  error?: string;
}

/** A tree of n services: one client calling FANOUT services, each of which calls FANOUT more, breadth first. */
export function treeWorld(n: number): World {
  const ids = ['client', ...Array.from({ length: n - 1 }, (_, i) => `s${i + 1}`)];
  const services: World['services'] = ids.map((id, i) => {
    const position = { x: (i % 20) * 220, y: Math.floor(i / 20) * 140 };
    return i === 0
      ? { id, kind: 'client', position, config: { rps: CLIENT_RPS } }
      : { id, kind: 'service', position, config: { latencyMs: 2, errorRate: 0 } };
  });
  const links: World['links'] = [];
  for (let child = 1; child < n; child++) {
    const parent = Math.floor((child - 1) / FANOUT);
    links.push({ id: `l${child}`, from: ids[parent] as string, to: ids[child] as string });
  }
  return { version: 1, name: `scale-${n}`, services, links } as World;
}

function kbField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** PSS and RSS (kB) of a process, from /proc/<pid>/smaps_rollup. */
export function memoryOf(pid: number): { pssKb: number; rssKb: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return { pssKb: kbField(text, 'Pss'), rssKb: kbField(text, 'Rss') };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function memories(pids: number[]): Memory {
  const readings = pids.map(memoryOf);
  const pss = readings.map((r) => r.pssKb);
  const rss = readings.map((r) => r.rssKb);
  return {
    pssMedianKb: median(pss),
    pssMaxKb: Math.max(...pss),
    rssMedianKb: median(rss),
    rssMaxKb: Math.max(...rss),
    pssTotalMb: round(pss.reduce((a, b) => a + b, 0) / 1024, 1),
  };
}

async function status(controller: Controller, id: string): Promise<DeployStatus> {
  const response = await fetch(`${controller.base}/api/worlds/${id}/deploy`);
  if (!response.ok) throw new Error(`deploy status: ${response.status} ${await response.text()}`);
  return (await response.json()) as DeployStatus;
}

/** POST /deploy, then polls every 50 ms until every service of that revision is ready; the status then. */
async function deployAndWait(controller: Controller, id: string, timeoutMs: number) {
  const t0 = performance.now();
  const response = await fetch(`${controller.base}/api/worlds/${id}/deploy`, { method: 'POST' });
  if (!response.ok) throw new Error(`deploy: ${response.status} ${await response.text()}`);
  const { rev } = (await response.json()) as { rev: number };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await status(controller, id);
    if (now.rev === rev && now.services.every((s) => s.state === 'ready')) {
      return { ms: performance.now() - t0, status: now };
    }
    if (Date.now() > deadline) {
      const late = now.services.filter((s) => s.state !== 'ready').map((s) => `${s.id}:${s.state}`);
      throw new Error(`${late.length} service(s) not ready after ${timeoutMs} ms: ${late.slice(0, 10).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Forks the bare server n times at once; resolves once every one said it listens. */
async function startReference(n: number, files: { certFile: string; keyFile: string; caFile: string }) {
  const profile = process.env.BENCH_CPU_PROF;
  const config = JSON.stringify(files);
  const t0 = performance.now();
  const children: ChildProcess[] = [];
  const listening: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // the first one is profiled, if asked: one is enough to see where a start goes
    const execArgv = profile && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
    const child = fork(BARE, [], {
      env: { DW_REFERENCE_CONFIG: config },
      execArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    listening.push(
      new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`reference server exited (${code}) before listening`)));
      }),
    );
  }
  try {
    await Promise.all(listening);
  } catch (error) {
    for (const c of children) c.kill('SIGKILL');
    throw error;
  }
  return { ms: performance.now() - t0, children };
}

async function stopReference(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

const WATCH_TIMEOUT_MS = 60_000;

/**
 * The steady state of a running world: the interval between its live frames over a socket.io client for `ms`, and
 * the CPU its services and the controller use meanwhile. A socket that cannot connect, or a watch not answered,
 * within WATCH_TIMEOUT_MS is a result (`error`), not a hang.
 */
async function steadyState(
  controller: Controller,
  worldId: string,
  pids: number[],
  n: number,
  opts: { ms: number; settledMs: number },
): Promise<FrameCadence> {
  const cpu0 = pids.reduce((s, p) => s + cpuSecondsOf(p), 0);
  const ctl0 = cpuSecondsOf(controller.pid);
  const t0 = performance.now();
  const cpuShares = () => {
    const seconds = (performance.now() - t0) / 1000;
    return {
      servicesCpuShare: round((pids.reduce((s, p) => s + cpuSecondsOf(p), 0) - cpu0) / seconds, 2),
      controllerCpuShare: round((cpuSecondsOf(controller.pid) - ctl0) / seconds, 2),
    };
  };
  const base = { n, settledMs: opts.settledMs, expectedMs: FRAME_INTERVAL_MS };
  try {
    return { ...base, ...(await frameCadence(controller, worldId, opts.ms)), ...cpuShares() };
  } catch (err) {
    const none = { frames: 0, medianMs: 0, p95Ms: 0, maxMs: 0, linksWithTraffic: 0 };
    return { ...base, ...none, ...cpuShares(), error: (err as Error).message };
  }
}

/** Frame intervals of one world over a socket.io client, for `ms` once it watches. */
async function frameCadence(
  controller: Controller,
  worldId: string,
  ms: number,
): Promise<Pick<FrameCadence, 'frames' | 'medianMs' | 'p95Ms' | 'maxMs' | 'linksWithTraffic'>> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(controller.base, {
    transports: ['websocket'],
    reconnection: false,
  });
  const arrivals: number[] = [];
  const busy = new Set<string>();
  socket.on('traffic:frame', (frame) => {
    if (frame.worldId !== worldId) return;
    arrivals.push(performance.now());
    for (const link of frame.links) if (link.requests > 0) busy.add(link.id);
  });
  try {
    // a socket that cannot connect or a watch never answered must end the run with a reason, not hang it
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`world:watch not answered within ${WATCH_TIMEOUT_MS} ms`)),
        WATCH_TIMEOUT_MS,
      );
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(new Error(`live socket: ${error.message}`));
      });
      socket.emit('world:watch', { worldId }, (ack) => {
        clearTimeout(timer);
        if (ack?.ok) resolve();
        else reject(new Error('watch refused'));
      });
    });
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    socket.close();
  }
  const gaps = arrivals.slice(1).map((t, i) => t - (arrivals[i] as number));
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    frames: arrivals.length,
    medianMs: round(median(gaps), 1),
    p95Ms: round(sorted[Math.floor(sorted.length * 0.95)] ?? 0, 1),
    maxMs: round(Math.max(0, ...gaps), 1),
    linksWithTraffic: busy.size,
  };
}

/**
 * BENCH_CPU_PROF: a V8 CPU profile of one service's start. The spawn config of a running leaf service (from its
 * environment) on a free port, started with --cpu-prof (procs.ts) and ended once it listens.
 */
async function profileOneService(pid: number): Promise<void> {
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const raw = environ.find((e) => e.startsWith('DW_SPAWN_CONFIG='))?.slice('DW_SPAWN_CONFIG='.length);
  if (!raw) return;
  const config = JSON.parse(raw) as { listen: { port: number } };
  config.listen.port = await freePort();
  const child = start(SERVICE_MAIN, { DW_SPAWN_CONFIG: JSON.stringify(config) }, 'profiled service');
  await waitForLine(child, /listening on/, 20_000, 'profiled service');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

export async function runScale(
  controller: Controller,
  pki: BenchPki,
  sizes: number[],
  opts: { framesMs: number; settleMs: number },
): Promise<{ runs: ScaleRun[]; frames: FrameCadence | undefined }> {
  const leaf = await pki.leaf('reference');
  const runs: ScaleRun[] = [];
  let frames: FrameCadence | undefined;
  const largest = Math.max(...sizes);
  for (const n of sizes) {
    // the reference first: it leaves nothing behind
    const ref = await startReference(n, leaf);
    process.stdout.write(`  n=${n}: the reference listens after ${Math.round(ref.ms)} ms; deploying\n`);
    const referenceMemory = memories(ref.children.map((c) => c.pid as number));
    const referenceCpuS = ref.children.reduce((s, c) => s + cpuSecondsOf(c.pid as number), 0);
    await stopReference(ref.children);
    await new Promise((r) => setTimeout(r, 1000));

    const record = await controller.create(treeWorld(n));
    const cpu0 = cpuSecondsOf(controller.pid);
    const deployed = await deployAndWait(controller, record.id, 300_000);
    const controllerCpuS = cpuSecondsOf(controller.pid) - cpu0;
    process.stdout.write(`  n=${n}: every service ready after ${Math.round(deployed.ms)} ms; measuring\n`);
    const pids = deployed.status.services.map((s) => s.pid).filter((p): p is number => typeof p === 'number');
    const servicesCpuS = pids.reduce((s, p) => s + cpuSecondsOf(p), 0);
    await new Promise((r) => setTimeout(r, 2000)); // the client's first calls, every connection opened
    const services = memories(pids);
    const controllerMemory = memoryOf(controller.pid);
    if (process.env.BENCH_CPU_PROF && n === largest) {
      const leafService = deployed.status.services.at(-1);
      if (leafService?.pid) await profileOneService(leafService.pid);
    }
    if (n === largest) {
      // the steady state, once the start-up (JIT, first connections, the GCs after it) has passed
      process.stdout.write(`  n=${n}: settling ${opts.settleMs / 1000} s, then watching the live view\n`);
      await new Promise((r) => setTimeout(r, opts.settleMs));
      frames = await steadyState(controller, record.id, pids, n, { ms: opts.framesMs, settledMs: opts.settleMs });
    }
    const run: ScaleRun = {
      n,
      deployMs: Math.round(deployed.ms),
      referenceMs: Math.round(ref.ms),
      deployRatio: round(deployed.ms / ref.ms, 2),
      services,
      reference: referenceMemory,
      pssRatio: round(services.pssMedianKb / referenceMemory.pssMedianKb, 2),
      controllerCpuS: round(controllerCpuS, 2),
      controllerRssMb: round(controllerMemory.rssKb / 1024, 1),
      controllerPssMb: round(controllerMemory.pssKb / 1024, 1),
      servicesCpuS: round(servicesCpuS, 2),
      referenceCpuS: round(referenceCpuS, 2),
      loadavg: loadavg().map((x) => round(x, 2)),
    };
    runs.push(run);
    process.stdout.write(`  scale n=${n}: ${JSON.stringify(run)}\n`);
    if (n === largest && frames) process.stdout.write(`  frames at n=${n}: ${JSON.stringify(frames)}\n`);
    await controller.stopDeployment(record.id);
    await new Promise((r) => setTimeout(r, 2000));
  }
  return { runs, frames };
}
