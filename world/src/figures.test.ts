import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCalls,
  addTally,
  type CallTally,
  callFigures,
  emptyTally,
  FIGURES,
  failedShare,
  latencyMean,
  latencyQuantile,
  ratePerSec,
} from './figures.js';
import { emptyHistogram, LATENCY_BUCKETS_MS, latencyBucket } from './trace.js';

/** The tally a caller's window makes of these calls (as services/src/stats.ts counts them). */
function tallyOf(latencies: number[], spanMs = 1000, failed: { errors?: number; refused?: number } = {}): CallTally {
  const buckets = emptyHistogram();
  for (const ms of latencies) buckets[latencyBucket(ms)] = (buckets[latencyBucket(ms)] ?? 0) + 1;
  const tally = addCalls(emptyTally(), {
    requests: latencies.length,
    errors: failed.errors ?? 0,
    refused: failed.refused ?? 0,
    answered: latencies.length - (failed.refused ?? 0),
    latencyMsSum: latencies.reduce((a, b) => a + b, 0),
    latencyMsMin: Math.min(...latencies),
    latencyMsMax: Math.max(...latencies),
    latencyBuckets: buckets,
  });
  tally.spanMs = spanMs;
  return tally;
}

/** The exact q-quantile of a list (nearest rank). */
function exact(latencies: number[], q: number): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

describe('figures', () => {
  it('reads calls of one latency as that latency for p50, p99 and the mean (never a mean above p99)', () => {
    // what a user saw on a link: p50 121.2, p99 122.4, mean 122.8 -- every call took about 122.8 ms
    const calls = Array.from({ length: 40 }, (_, i) => 122.6 + (i % 5) * 0.1);
    const figures = callFigures(tallyOf(calls));
    expect(figures.latencyMsMean).toBe(122.8);
    expect(figures.latencyMsP50).toBeGreaterThanOrEqual(122.6);
    expect(figures.latencyMsP99).toBeGreaterThanOrEqual(figures.latencyMsMean);
    expect(figures.latencyMsP99).toBeLessThanOrEqual(123);
    const same = callFigures(tallyOf(Array.from({ length: 10 }, () => 122.8)));
    expect([same.latencyMsP50, same.latencyMsP99, same.latencyMsMean]).toEqual([122.8, 122.8, 122.8]);
  });

  it('keeps fastest <= p50 <= p99 <= slowest, the mean among the calls, and quantiles within a bucket of the truth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 9000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (ms) => {
          const t = tallyOf(ms);
          const [min, max] = [Math.min(...ms), Math.max(...ms)];
          const p50 = latencyQuantile(t, 0.5);
          const p99 = latencyQuantile(t, 0.99);
          expect(min).toBeLessThanOrEqual(p50);
          expect(p50).toBeLessThanOrEqual(p99);
          expect(p99).toBeLessThanOrEqual(max);
          expect(latencyMean(t)).toBeGreaterThanOrEqual(min - 1e-9);
          expect(latencyMean(t)).toBeLessThanOrEqual(max + 1e-9);
          for (const [q, value] of [
            [0.5, p50],
            [0.99, p99],
          ] as const) {
            // in the same bucket as the exact quantile, or the next one (interpolation across a bucket's calls)
            const truth = exact(ms, q);
            const lower = LATENCY_BUCKETS_MS[latencyBucket(truth) - 1] ?? 0;
            const upper = LATENCY_BUCKETS_MS[latencyBucket(truth) + 1] ?? max;
            expect(value).toBeGreaterThanOrEqual(Math.min(lower, truth));
            expect(value).toBeLessThanOrEqual(Math.max(upper, truth));
          }
        },
      ),
    );
  });

  it('adds tallies: the quantile of two windows is of all their calls, rates over both spans', () => {
    const fast = tallyOf(
      Array.from({ length: 90 }, () => 2),
      500,
    );
    const slow = tallyOf(
      Array.from({ length: 10 }, () => 200),
      500,
      { errors: 5, refused: 5 },
    );
    const both = addTally(addTally(emptyTally(), fast), slow);
    expect(ratePerSec(both)).toBe(100);
    expect(failedShare(both)).toBe(0.1);
    expect(latencyQuantile(both, 0.5)).toBe(2);
    // inside the slow calls' bucket (170-200 ms), which the slowest call (200 ms) ends
    expect(latencyQuantile(both, 0.99)).toBeGreaterThan(170);
    expect(latencyQuantile(both, 0.99)).toBeLessThanOrEqual(200);
    expect(latencyMean(both)).toBeCloseTo(21.8, 6);
    expect(callFigures(both)).toMatchObject({ errorShare: 0.05, refusedShare: 0.05, answered: 95, latencyMsMax: 200 });
  });

  it('is all zeros without calls, and bounds quantiles by the slowest call when no histogram came', () => {
    expect(callFigures(emptyTally())).toEqual({
      spanMs: 0,
      ratePerSec: 0,
      errorShare: 0,
      refusedShare: 0,
      failedShare: 0,
      answered: 0,
      latencyMsMean: 0,
      latencyMsP50: 0,
      latencyMsP99: 0,
      latencyMsMax: 0,
    });
    const noHistogram = addCalls(emptyTally(), {
      requests: 4,
      errors: 0,
      refused: 0,
      latencyMsSum: 40,
      latencyMsMax: 25,
    });
    expect(latencyQuantile(noHistogram, 0.5)).toBe(25);
    expect(latencyMean(noHistogram)).toBe(10);
  });

  it('names every figure once, with what it means and how it reads', () => {
    expect(FIGURES.rate.format(18.46)).toBe('18.5/s');
    expect(FIGURES.failed.format(0.025)).toBe('2.5%');
    expect(FIGURES.p99.format(4.26)).toBe('4.3 ms');
    expect(FIGURES.p99.format(122.8)).toBe('123 ms');
    expect(FIGURES.requests.format(1234)).toBe('1,234');
    const metrics = Object.values(FIGURES).flatMap((f) => ('metric' in f ? [f.metric] : []));
    expect(new Set(metrics).size).toBe(metrics.length);
  });
});
