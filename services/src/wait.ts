// A wait that lasts at least what was asked. A timer may fire a little early by the clock that times spans (Node
// rounds a fractional delay down and measures from the event loop's cached time), so a service set to answer in
// 5 ms could answer in 4.7: a latency the user set, or a delay fault, is a floor, so the remainder is waited too.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitAtLeast(ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) await sleep(Math.max(1, Math.ceil(left)));
}
