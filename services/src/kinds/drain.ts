// Waiting for calls in flight to end when a process stops making traffic.
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a stopping process waits for its calls in flight. */
export const DRAIN_MS = 500;

/** Resolves once `pending()` is 0, or after DRAIN_MS. */
export async function drained(pending: () => number): Promise<void> {
  for (let waited = 0; pending() > 0 && waited < DRAIN_MS; waited += 20) await sleep(20);
}
