// Pure: whether and when the supervisor restarts a process that exited on its own, by its restart policy
// (the compose names). "no": never. "on-failure": when it failed (a non-zero code or killed by a signal), with
// exponential backoff. "always": whatever the exit, with the same backoff. The backoff starts again once a
// process has stayed up for STABLE_AFTER_MS.
import type { RestartPolicy } from '@dw/world';

export const FIRST_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 8000;
/** A process up this long is healthy again: its next crash restarts after the first backoff. */
export const STABLE_AFTER_MS = 10_000;

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** Whether an exit is a failure as compose sees it (exit code non-zero; a signal gives 128 + n). */
export function isFailure(exit: ExitInfo): boolean {
  return exit.signal !== null || (exit.code !== null && exit.code !== 0);
}

/** The wait before restart number `attempt` (1-based), or null when the policy says not to restart. */
export function restartDelay(policy: RestartPolicy, exit: ExitInfo, attempt: number): number | null {
  if (policy === 'no') return null;
  if (policy === 'on-failure' && !isFailure(exit)) return null;
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
}
