import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, latencyBucket } from './trace.js';

/** The definition: the first bucket whose upper bound is at least the latency; past the last, the overflow one. */
function byScan(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

describe('latencyBucket', () => {
  it('puts every latency in the first bucket whose bound is at least it', () => {
    const values = [-1, 0, Number.NaN, Number.POSITIVE_INFINITY, 1e9];
    for (const bound of LATENCY_BUCKETS_MS) values.push(bound, bound - 1e-9, bound + 1e-9);
    for (let i = 0; i < 2000; i++) values.push(Math.random() * 12_000, Math.random() * 5);
    for (const ms of values) expect([ms, latencyBucket(ms)]).toEqual([ms, byScan(ms)]);
  });
});
