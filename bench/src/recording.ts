// What recording runs costs the controller (server/src/runs/): its CPU with recording on against off, the same
// world at the same rate, in interleaved rounds of one run; and the recorded bytes per second as the message rate
// rises (recording keeps frames, which do not grow with the rate, and caps spans and log lines per second).
import { readFileSync } from 'node:fs';
import type { RunSummary, World } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { type Controller, startController } from './controller.js';

export interface RecordingCpuRun {
  recording: boolean;
  /** Messages per second the controller counted (its /metrics totals) while measuring. */
  messagesPerSec: number;
  /** Controller CPU (user + system) while measuring, as a share of one core. */
  cpuShare: number;
  /** Controller CPU per message, microseconds. */
  cpuUsPerMessage: number;
}

export interface RecordingBytesRow {
  askedPerSec: number;
  messagesPerSec: number;
  /** Bytes the run's recording grew by per second while measuring. */
  recordedBytesPerSec: number;
}

/** 2 clients, 5 services, 10 links (world/fixtures/frames-bench.world.json) at `rate` messages per second in all. */
function benchWorld(rate: number): World {
  const world = fixtureWorld('frames-bench');
  world.name = `recording ${rate}`;
  for (const node of world.services) if (node.kind === 'client') node.config.rps = rate / 10;
  return world;
}

/** User + system CPU time of a process so far, microseconds (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Sum of every link's request counter on /metrics (what the frames carry, read at scrape time). */
async function requestsTotal(controller: Controller): Promise<number> {
  const text = await (await fetch(`${controller.base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('dw_link_requests_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function runBytes(controller: Controller, worldId: string): Promise<number> {
  const runs = (await (await fetch(`${controller.base}/api/worlds/${worldId}/runs`)).json()) as RunSummary[];
  return runs[0]?.bytes ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends a controller the way a person does (SIGTERM: its deployments stop, its runs end), then removes its data. */
async function endController(controller: Controller): Promise<void> {
  try {
    process.kill(controller.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      process.kill(controller.pid, 0);
    } catch {
      break;
    }
    if (Date.now() > deadline) {
      process.kill(controller.pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  controller.cleanup();
}

/** One controller, recording or not, one world at `rate`: its CPU over `measureMs` after 2 s of warm-up. */
async function cpuRun(recording: boolean, rate: number, measureMs: number): Promise<RecordingCpuRun> {
  const controller = await startController(recording ? {} : { DW_RUNS: '0' });
  try {
    const record = await controller.create(benchWorld(rate));
    await controller.deploy(record.id, 60_000);
    await sleep(2000);
    const cpu0 = cpuMicros(controller.pid);
    const n0 = await requestsTotal(controller);
    const t0 = Date.now();
    await sleep(measureMs);
    const cpu1 = cpuMicros(controller.pid);
    const n1 = await requestsTotal(controller);
    const seconds = (Date.now() - t0) / 1000;
    const messages = n1 - n0;
    return {
      recording,
      messagesPerSec: Math.round(messages / seconds),
      cpuShare: Math.round(((cpu1 - cpu0) / 1e6 / seconds) * 10_000) / 10_000,
      cpuUsPerMessage: messages > 0 ? Math.round(((cpu1 - cpu0) / messages) * 10) / 10 : 0,
    };
  } finally {
    await endController(controller);
  }
}

export async function runRecordingCpu(rate: number, rounds: number, measureMs: number): Promise<RecordingCpuRun[]> {
  const runs: RecordingCpuRun[] = [];
  for (let round = 0; round < rounds; round++) {
    // rotated per round, so a busy neighbour or a warm disk cache favours neither
    for (const recording of round % 2 === 0 ? [false, true] : [true, false]) {
      const run = await cpuRun(recording, rate, measureMs);
      runs.push(run);
      process.stdout.write(`  recording cpu round ${round + 1}: ${JSON.stringify(run)}\n`);
    }
  }
  return runs;
}

/** One controller recording; for each rate a fresh world: how fast its run's file grows. */
export async function runRecordingBytes(rates: number[], measureMs: number): Promise<RecordingBytesRow[]> {
  const controller = await startController();
  const rows: RecordingBytesRow[] = [];
  try {
    for (const rate of rates) {
      const record = await controller.create(benchWorld(rate));
      try {
        await controller.deploy(record.id, 60_000);
        await sleep(2000);
        const b0 = await runBytes(controller, record.id);
        const n0 = await requestsTotal(controller);
        const t0 = Date.now();
        await sleep(measureMs);
        const b1 = await runBytes(controller, record.id);
        const n1 = await requestsTotal(controller);
        const seconds = (Date.now() - t0) / 1000;
        rows.push({
          askedPerSec: rate,
          messagesPerSec: Math.round((n1 - n0) / seconds),
          recordedBytesPerSec: Math.round((b1 - b0) / seconds),
        });
        process.stdout.write(`  recorded bytes at ${rate}/s: ${JSON.stringify(rows.at(-1))}\n`);
      } finally {
        await controller.stopDeployment(record.id);
      }
    }
  } finally {
    await endController(controller);
  }
  return rows;
}
