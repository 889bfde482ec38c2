import { describe, expect, it } from 'vitest';
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, restartDelay } from './supervisor-policy.js';

const crash = { code: 1, signal: null };
const killed = { code: null, signal: 'SIGKILL' };
const clean = { code: 0, signal: null };

describe('restartDelay', () => {
  it.each([
    ['no', crash, null],
    ['no', killed, null],
    ['on-failure', clean, null],
    ['on-failure', crash, FIRST_BACKOFF_MS],
    ['on-failure', killed, FIRST_BACKOFF_MS],
    ['always', clean, FIRST_BACKOFF_MS],
    ['always', killed, FIRST_BACKOFF_MS],
  ] as const)('%s after %j: %s', (policy, exit, expected) => {
    expect(restartDelay(policy, exit, 1)).toBe(expected);
  });

  it('backs off exponentially, capped', () => {
    const delays = [1, 2, 3, 4, 10].map((n) => restartDelay('on-failure', crash, n));
    expect(delays).toEqual([
      FIRST_BACKOFF_MS,
      FIRST_BACKOFF_MS * 2,
      FIRST_BACKOFF_MS * 4,
      FIRST_BACKOFF_MS * 8,
      MAX_BACKOFF_MS,
    ]);
  });
});
