// The controller-wide process budget: how many service processes every world together may run. One request
// could otherwise start 5,000 of them (500 services x 10 replicas is a valid world). Deploys, redeploys, scenario
// runs and resumed worlds are checked before anything is issued or started; a world that does not fit is
// refused with 409 `process-budget`, naming what it asks for and what is left.
import { totalmem } from 'node:os';
import type { ProcessBudget } from '@dw/world';
import { HttpProblem } from '../http/errors.js';

/** RSS of one service process, measured here at 45-75 MB; the default budget assumes the upper figure. */
export const PROCESS_RSS_BYTES = 75 * 1024 * 1024;
/** The share of the machine's memory the worlds may take together; the rest is the controller's, the browser's... */
export const MEMORY_SHARE = 0.5;
/** Whatever the machine: room for two worlds of the largest template (7 processes) and then some. */
export const MIN_DEFAULT_PROCESSES = 16;
/** Whatever the machine: beyond this, ports, pids and the controller's event loop become the limit, not memory. */
export const MAX_DEFAULT_PROCESSES = 1000;
export const MAX_PROCESSES_ENV = 'DW_MAX_PROCESSES';

/**
 * The default budget: half of the machine's memory divided by 75 MB a process, and at least 16, at most 1000
 * (the 24,105 MiB of the machine it was measured on give 160; 4 GiB give 27; 1 GiB gives 16).
 */
export function defaultProcessBudget(totalBytes = totalmem()): number {
  const byMemory = Math.floor((totalBytes * MEMORY_SHARE) / PROCESS_RSS_BYTES);
  return Math.min(MAX_DEFAULT_PROCESSES, Math.max(MIN_DEFAULT_PROCESSES, byMemory));
}

/** DW_MAX_PROCESSES as a budget: a whole number of at least 1; unset or empty means the default. */
export function parseProcessBudget(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${MAX_PROCESSES_ENV} must be a whole number of processes, 1 or more, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * The budget as a deploy of one world meets it. `others`: the processes every other world holds (what runs, or
 * more while a deploy of it waits in its queue); `current`: what this world holds; `processes`: what it would run.
 */
export function budgetFor(limit: number, others: number, current: number, processes: number): ProcessBudget {
  const left = Math.max(0, limit - others - current);
  const adds = processes - current;
  return { limit, processes, adds, left, fits: adds <= left };
}

/** The 409 that refuses a world the budget has no room for: what it asks for, what is left, how to change it. */
export function overBudget(worldId: string, budget: ProcessBudget): HttpProblem {
  const more = budget.adds === budget.processes ? '' : ` (${budget.adds} more than it runs now)`;
  const problem = new HttpProblem(
    409,
    'process-budget',
    `world "${worldId}" asks for ${budget.processes} process(es)${more}, but only ${budget.left} of the controller's ` +
      `budget of ${budget.limit} are left: stop another world or lower replicas, or start the controller with a ` +
      `larger ${MAX_PROCESSES_ENV}`,
  );
  problem.budget = budget;
  return problem;
}
