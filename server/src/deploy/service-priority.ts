// The priority (and Node options) of a large world's service processes. When a world runs many more processes than
// the machine has cores, they compete with the controller and the browser that watch them, and the live view is what
// suffers: at 200 services on 2 cores (bench `scale`, 2026-12-06) the live frames came every 291 ms (median; p95
// 611) instead of every 200, and the world took 71 s to be ready. With the services at nice 10 the same benchmark
// gave 204 ms (p95 404) and 62 s; nice 5 gave 229 ms. A world that fits the machine is left at the controller's
// priority: it gains nothing from a lower one, and its services would then lose to anything else the machine runs.
import { cpus, setPriority } from 'node:os';

export const SERVICE_NICE_ENV = 'DW_SERVICE_NICE';
/** The niceness of a large world's services (0 is the controller's own priority, 19 the lowest). */
export const DEFAULT_SERVICE_NICENESS = 10;
/** A world is large when it runs more service processes than this many per core. */
export const PROCESSES_PER_CORE = 8;

/** DW_SERVICE_NICE as a niceness: a whole number from 0 (never lowered) to 19; unset or empty means the default. */
export function parseServiceNiceness(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 19) {
    throw new Error(
      `${SERVICE_NICE_ENV} must be a whole number from 0 (services keep the controller's priority) to 19, not ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Whether a world of this many service processes is large here: more than PROCESSES_PER_CORE a core. */
export function isLargeWorld(processes: number, cores = cpus().length): boolean {
  return processes > PROCESSES_PER_CORE * Math.max(1, cores);
}

/** The niceness a world's services get: `niceness` when it is large, else 0. */
export function nicenessFor(processes: number, niceness: number, cores = cpus().length): number {
  return isLargeWorld(processes, cores) ? niceness : 0;
}

/**
 * Node options for a large world's services: WebAssembly on V8's baseline compiler only (Liftoff). undici parses
 * HTTP with llhttp compiled to WebAssembly, and V8 compiles that parser again with its optimizing compiler
 * (TurboFan) in every process that calls peers: about 250 ms of CPU each. One caller's first 300 calls took 490-570
 * ms of CPU, against 290-320 with Liftoff only. In a world of 100 services on 2 cores, a minute after its deploy,
 * TurboFan compiling WebAssembly was 27% of all the machine's CPU samples (perf; 0.1% with this option), and its
 * links carried 192-211 calls a second against 279-307 with it, the 2 cores full both times (one run each,
 * 2026-12-06; 300 a second asked). The price is the parser's speed: about 25 us more per call at thousands of
 * calls a second, which a large world's services, each carrying a few a second, do not reach; a world that fits
 * the machine keeps the optimizing compiler.
 */
export const LARGE_WORLD_NODE_OPTIONS: readonly string[] = ['--liftoff-only'];

/** The Node options a world's services start with: LARGE_WORLD_NODE_OPTIONS when it is large, else none. */
export function nodeOptionsFor(processes: number, cores = cpus().length): readonly string[] {
  return isLargeWorld(processes, cores) ? LARGE_WORLD_NODE_OPTIONS : [];
}

/** Lowers a started process's priority; what went wrong if it could not (the process runs on regardless). */
export function lowerPriority(pid: number, niceness: number): string | undefined {
  if (niceness === 0) return undefined;
  try {
    setPriority(pid, niceness);
    return undefined;
  } catch (error) {
    return `could not lower the priority of pid ${pid} to nice ${niceness}: ${(error as Error).message}`;
  }
}
