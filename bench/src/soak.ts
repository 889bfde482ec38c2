// Soak: a 20-service world under steady load for minutes. The controller's and the services' memory and open file
// descriptors are read from /proc every 10 s; frames are counted by a real socket.io watcher. The reference is the
// run itself: slopes are fitted after a warm-up minute, and the end is compared with the start.
import { readdirSync, readFileSync } from 'node:fs';
import type { ClientToServerEvents, DeployStatus, ServerToClientEvents, TrafficFrame, World } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import type { Controller } from './controller.js';

export interface SoakSample {
  atS: number;
  controllerRssMb: number;
  controllerFds: number;
  servicesRssMb: number;
  servicesMaxFds: number;
  framesPerSec: number;
  requestsPerSec: number;
  errorsPerSec: number;
}

export interface SoakResult {
  minutes: number;
  services: number;
  samples: SoakSample[];
  /** Least-squares slopes after the warm-up, per minute. */
  controllerRssMbPerMin: number;
  servicesRssMbPerMin: number;
  controllerFds: { first: number; last: number; max: number };
  servicesMaxFds: { first: number; last: number; max: number };
  framesPerSec: { min: number; max: number };
  requestsPerSec: { min: number; max: number; mean: number };
  errorsTotal: number;
}

/** 4 clients -> 4 gateways -> each gateway fans out to 3 of 12 backends: 20 services, 16 links. */
export function soakWorld(): World {
  const services: World['services'] = [];
  const links: World['links'] = [];
  for (let g = 0; g < 4; g++) {
    services.push({ id: `client-${g}`, kind: 'client', position: { x: 0, y: g * 120 }, config: { rps: 25 } });
    services.push({ id: `gateway-${g}`, kind: 'service', position: { x: 250, y: g * 120 }, config: { latencyMs: 2 } });
    links.push({ id: `c${g}`, from: `client-${g}`, to: `gateway-${g}` });
  }
  for (let b = 0; b < 12; b++) {
    services.push({
      id: `backend-${b}`,
      kind: 'service',
      position: { x: 500, y: b * 40 },
      config: { latencyMs: { min: 1, max: 10 }, errorRate: 0 },
    });
  }
  for (let g = 0; g < 4; g++) {
    for (let k = 0; k < 3; k++) links.push({ id: `g${g}b${k}`, from: `gateway-${g}`, to: `backend-${g * 3 + k}` });
  }
  return { version: 1, name: 'soak', services, links };
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

export async function runSoak(controller: Controller, minutes: number): Promise<SoakResult> {
  const record = await controller.create(soakWorld());
  await controller.deploy(record.id, 60_000);
  const status = (await (await fetch(`${controller.base}/api/worlds/${record.id}/deploy`)).json()) as DeployStatus;
  const pids = status.services.map((s) => s.pid as number);

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
      await new Promise((r) => setTimeout(r, Math.min(everyMs, end - Date.now())));
      const seconds = everyMs / 1000;
      const sample: SoakSample = {
        atS: round((Date.now() - started) / 1000, 1),
        controllerRssMb: round(rssMb(controller.pid)),
        controllerFds: fds(controller.pid),
        servicesRssMb: round(pids.reduce((s, pid) => s + rssMb(pid), 0)),
        servicesMaxFds: Math.max(...pids.map(fds)),
        framesPerSec: round(frames / seconds),
        requestsPerSec: round(requests / seconds),
        errorsPerSec: round(errors / seconds),
      };
      samples.push(sample);
      process.stdout.write(`  soak ${JSON.stringify(sample)}\n`);
    }
  } finally {
    socket.close();
    await controller.stopDeployment(record.id);
  }
  const warm = samples.filter((s) => s.atS > 60);
  const steady = warm.length >= 2 ? warm : samples;
  const span = (xs: number[]) => ({ first: xs[0] ?? 0, last: xs.at(-1) ?? 0, max: Math.max(...xs) });
  const reqs = steady.map((s) => s.requestsPerSec);
  return {
    minutes,
    services: pids.length,
    samples,
    controllerRssMbPerMin: round(slopePerMin(steady.map((s) => [s.atS, s.controllerRssMb])), 3),
    servicesRssMbPerMin: round(slopePerMin(steady.map((s) => [s.atS, s.servicesRssMb])), 3),
    controllerFds: span(samples.map((s) => s.controllerFds)),
    servicesMaxFds: span(samples.map((s) => s.servicesMaxFds)),
    framesPerSec: {
      min: Math.min(...steady.map((s) => s.framesPerSec)),
      max: Math.max(...steady.map((s) => s.framesPerSec)),
    },
    requestsPerSec: {
      min: Math.min(...reqs),
      max: Math.max(...reqs),
      mean: round(reqs.reduce((a, b) => a + b, 0) / reqs.length),
    },
    errorsTotal,
  };
}
