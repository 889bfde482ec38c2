// Soak: a 20-service world under steady load for minutes. Every 10 s: the controller's and the services' RSS and
// open file descriptors from /proc, and each service's own memory (RSS, V8 heap, external, arrayBuffers) from its
// /_dw/stats answer through the controller; frames are counted by a real socket.io watcher. The reference is the
// run itself: slopes are fitted after the warm-up, over the whole run and per segment (10 minutes by default), so
// a reader sees whether growth flattens. RSS growing with a flat heapUsed points at the allocator (fragmentation,
// TLS buffers); heapUsed growing points at JS objects kept alive.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type {
  ClientToServerEvents,
  DeployStatus,
  ProcessMemory,
  ServerToClientEvents,
  ServiceStats,
  TrafficFrame,
  World,
} from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { io, type Socket } from 'socket.io-client';
import type { Controller } from './controller.js';

/** One service's memory in MB (from its own `process.memoryUsage()`). */
export type MemoryMb = { [K in keyof ProcessMemory]: number };
export const MEMORY_KEYS = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const;

export interface SoakSample {
  atS: number;
  /** The machine's 1-minute load average (the soak shares its cores). */
  load1: number;
  controllerRssMb: number;
  controllerFds: number;
  servicesRssMb: number;
  servicesMaxFds: number;
  framesPerSec: number;
  requestsPerSec: number;
  errorsPerSec: number;
  /** Per service id, its memory as it reported it (missing when its stats probe failed). */
  memory: Record<string, MemoryMb>;
}

/** Per metric, the slope (MB/min) of every service: their mean, least and largest, and each by id. */
export type MemorySlopes = Record<
  keyof MemoryMb,
  { mean: number; min: number; max: number; byService: Record<string, number> }
>;

export interface SoakSegment {
  fromS: number;
  toS: number;
  /** Slopes per service over this segment only. */
  slopes: MemorySlopes;
  /** Per metric, the services' mean value over this segment (MB). */
  meanMb: Record<keyof MemoryMb, number>;
  /**
   * Per metric, each service's lowest value in this segment, averaged over the services (MB). For heapUsed this is
   * the floor a major GC leaves: garbage makes heapUsed a sawtooth whose slope over a few minutes means little, but a
   * floor that rises segment after segment is objects kept alive.
   */
  floorMb: Record<keyof MemoryMb, number>;
}

export interface SoakResult {
  minutes: number;
  services: number;
  warmupS: number;
  samples: SoakSample[];
  /** Least-squares slopes after the warm-up, per minute. */
  controllerRssMbPerMin: number;
  servicesRssMbPerMin: number;
  /** Per service, after the warm-up. */
  serviceSlopes: MemorySlopes;
  segments: SoakSegment[];
  controllerFds: { first: number; last: number; max: number };
  servicesMaxFds: { first: number; last: number; max: number };
  framesPerSec: { min: number; max: number };
  requestsPerSec: { min: number; max: number; mean: number };
  load1: { min: number; max: number; mean: number };
  errorsTotal: number;
  probesFailed: number;
}

/** 4 clients -> 4 gateways -> each gateway fans out to 3 of 12 backends: 20 services, 16 links (world/fixtures/). */
export function soakWorld(): World {
  return fixtureWorld('soak');
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

function slopePerMin(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const MB = 1024 * 1024;

/** Per metric and service, the least-squares slope over `samples` (MB/min). */
export function memorySlopes(samples: SoakSample[], serviceIds: string[]): MemorySlopes {
  const out = {} as MemorySlopes;
  for (const key of MEMORY_KEYS) {
    const byService: Record<string, number> = {};
    for (const id of serviceIds) {
      const points = samples.flatMap((s): [number, number][] => {
        const m = s.memory[id];
        return m ? [[s.atS, m[key]]] : [];
      });
      byService[id] = round(slopePerMin(points), 3);
    }
    const slopes = Object.values(byService);
    out[key] = { mean: round(mean(slopes), 3), min: Math.min(...slopes), max: Math.max(...slopes), byService };
  }
  return out;
}

/** The services' mean value per metric over `samples` (MB). */
function meanMemory(samples: SoakSample[]): Record<keyof MemoryMb, number> {
  const out = {} as Record<keyof MemoryMb, number>;
  for (const key of MEMORY_KEYS) {
    out[key] = round(mean(samples.flatMap((s) => Object.values(s.memory).map((m) => m[key]))));
  }
  return out;
}

/** Per metric, each service's lowest value over `samples`, averaged over the services (MB). */
function floorMemory(samples: SoakSample[], serviceIds: string[]): Record<keyof MemoryMb, number> {
  const out = {} as Record<keyof MemoryMb, number>;
  for (const key of MEMORY_KEYS) {
    const floors = serviceIds.flatMap((id) => {
      const values = samples.flatMap((s) => (s.memory[id] ? [s.memory[id][key]] : []));
      return values.length > 0 ? [Math.min(...values)] : [];
    });
    out[key] = round(mean(floors));
  }
  return out;
}

const toMb = (m: ProcessMemory): MemoryMb => ({
  rss: round(m.rss / MB),
  heapUsed: round(m.heapUsed / MB),
  heapTotal: round(m.heapTotal / MB),
  external: round(m.external / MB),
  arrayBuffers: round(m.arrayBuffers / MB),
});

export interface SoakOptions {
  minutes: number;
  /** Samples before this are left out of every slope (V8 and the pools growing to their working size). */
  warmupS: number;
  /** Slopes are also fitted per segment of this length, from the end of the warm-up. */
  segmentMinutes: number;
}

export async function runSoak(controller: Controller, opts: SoakOptions): Promise<SoakResult> {
  const { minutes, warmupS, segmentMinutes } = opts;
  const record = await controller.create(soakWorld());
  await controller.deploy(record.id, 60_000);
  const status = (await (await fetch(`${controller.base}/api/worlds/${record.id}/deploy`)).json()) as DeployStatus;
  const pids = status.services.map((s) => s.pid as number);
  const serviceIds = status.services.map((s) => s.id);
  let probesFailed = 0;
  // One at a time, through the controller's own probe (mTLS as the controller): the services' memory as they see it.
  const probeMemory = async (): Promise<Record<string, MemoryMb>> => {
    const memory: Record<string, MemoryMb> = {};
    for (const id of serviceIds) {
      try {
        const res = await fetch(`${controller.base}/api/worlds/${record.id}/deploy/services/${id}/stats`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) throw new Error(String(res.status));
        memory[id] = toMb(((await res.json()) as ServiceStats).memory);
      } catch {
        probesFailed++;
      }
    }
    return memory;
  };

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(controller.base, {
    transports: ['websocket'],
    reconnection: false,
  });
  let frames = 0;
  let requests = 0;
  let errors = 0;
  let errorsTotal = 0;
  socket.on('traffic:frame', (frame: TrafficFrame) => {
    frames++;
    for (const link of frame.links) {
      if (link.from.startsWith('client-')) requests += link.requests;
      errors += link.errors;
      errorsTotal += link.errors;
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.emit('world:watch', { worldId: record.id }, (ack) => (ack.ok ? resolve() : reject(new Error(ack.error))));
  });

  const samples: SoakSample[] = [];
  const started = Date.now();
  const everyMs = 10_000;
  const end = started + minutes * 60_000;
  try {
    while (Date.now() < end) {
      frames = 0;
      requests = 0;
      errors = 0;
      const windowStarted = Date.now();
      await new Promise((r) => setTimeout(r, Math.min(everyMs, end - Date.now())));
      const seconds = (Date.now() - windowStarted) / 1000;
      const sample: SoakSample = {
        atS: round((Date.now() - started) / 1000, 1),
        load1: round(loadavg()[0] ?? 0),
        controllerRssMb: round(rssMb(controller.pid)),
        controllerFds: fds(controller.pid),
        servicesRssMb: round(pids.reduce((s, pid) => s + rssMb(pid), 0)),
        servicesMaxFds: Math.max(...pids.map(fds)),
        framesPerSec: round(frames / seconds),
        requestsPerSec: round(requests / seconds),
        errorsPerSec: round(errors / seconds),
        memory: {},
      };
      sample.memory = await probeMemory();
      samples.push(sample);
      const { memory, ...rest } = sample;
      const heap = Object.values(memory).map((m) => m.heapUsed);
      process.stdout.write(
        `  soak ${JSON.stringify({ ...rest, servicesHeapUsedMb: round(heap.reduce((a, b) => a + b, 0)) })}\n`,
      );
    }
  } finally {
    socket.close();
    await controller.stopDeployment(record.id);
  }
  const warm = samples.filter((s) => s.atS > warmupS);
  const steady = warm.length >= 2 ? warm : samples;
  const span = (xs: number[]) => ({ first: xs[0] ?? 0, last: xs.at(-1) ?? 0, max: Math.max(...xs) });
  const reqs = steady.map((s) => s.requestsPerSec);
  const loads = samples.map((s) => s.load1);
  const segments: SoakSegment[] = [];
  const lastS = samples.at(-1)?.atS ?? 0;
  for (let from = warmupS; from < lastS; from += segmentMinutes * 60) {
    const to = Math.min(from + segmentMinutes * 60, lastS);
    const inside = samples.filter((s) => s.atS > from && s.atS <= to);
    if (inside.length < 6) continue; // less than a minute: no slope worth printing
    segments.push({
      fromS: from,
      toS: to,
      slopes: memorySlopes(inside, serviceIds),
      meanMb: meanMemory(inside),
      floorMb: floorMemory(inside, serviceIds),
    });
  }
  return {
    minutes,
    services: pids.length,
    warmupS,
    samples,
    controllerRssMbPerMin: round(slopePerMin(steady.map((s) => [s.atS, s.controllerRssMb])), 3),
    servicesRssMbPerMin: round(slopePerMin(steady.map((s) => [s.atS, s.servicesRssMb])), 3),
    serviceSlopes: memorySlopes(steady, serviceIds),
    segments,
    controllerFds: span(samples.map((s) => s.controllerFds)),
    servicesMaxFds: span(samples.map((s) => s.servicesMaxFds)),
    framesPerSec: {
      min: Math.min(...steady.map((s) => s.framesPerSec)),
      max: Math.max(...steady.map((s) => s.framesPerSec)),
    },
    requestsPerSec: {
      min: Math.min(...reqs),
      max: Math.max(...reqs),
      mean: round(mean(reqs)),
    },
    load1: { min: Math.min(...loads), max: Math.max(...loads), mean: round(mean(loads)) },
    errorsTotal,
    probesFailed,
  };
}

/**
 * A table for the reader, one row per segment: per service (mean over the 20, and the range), the slope of RSS and
 * of heapUsed, and the mean RSS, heapUsed floor, heapTotal and external.
 */
export function segmentTable(result: SoakResult): string {
  const slope = (m: MemorySlopes[keyof MemoryMb]) => `${m.mean} (${m.min}..${m.max})`;
  const rows = [
    '| segment | RSS MB/min | heapUsed MB/min | RSS mean MB | heapUsed floor MB | heapTotal mean MB | external mean MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const seg of result.segments) {
    const { slopes, meanMb, floorMb } = seg;
    rows.push(
      `| ${seg.fromS}-${seg.toS} s | ${slope(slopes.rss)} | ${slope(slopes.heapUsed)} | ${meanMb.rss} | ` +
        `${floorMb.heapUsed} | ${meanMb.heapTotal} | ${meanMb.external} |`,
    );
  }
  const all = result.serviceSlopes;
  rows.push(`| all after ${result.warmupS} s | ${slope(all.rss)} | ${slope(all.heapUsed)} | | | | |`);
  return rows.join('\n');
}
