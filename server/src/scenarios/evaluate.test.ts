import {
  type Assertion,
  emptyHistogram,
  type LinkTraffic,
  latencyBucket,
  parseAssertion,
  type TrafficFrame,
} from '@dw/world';
import { describe, expect, it } from 'vitest';
import { evaluateAssertion } from './evaluate.js';

/** One link's window as the aggregator reports it, from the latency of each of its calls. */
const link = (id: string, from: string, to: string, latencies: number[], errors = 0): LinkTraffic => {
  const latencyBuckets = emptyHistogram();
  for (const ms of latencies) latencyBuckets[latencyBucket(ms)] = (latencyBuckets[latencyBucket(ms)] as number) + 1;
  const requests = latencies.length;
  return {
    id,
    from,
    to,
    requests,
    errors,
    refused: 0,
    latencyMsAvg: requests > 0 ? latencies.reduce((a, b) => a + b, 0) / requests : 0,
    latencyMsMax: Math.max(0, ...latencies),
    total: { requests, errors, refused: 0 },
    ...(requests > 0 ? { latencyBuckets } : {}),
  };
};
const frame = (links: LinkTraffic[]): TrafficFrame => ({
  worldId: 'w',
  rev: 1,
  at: 0,
  windowMs: 200,
  links,
  refusals: [],
  services: [],
});
const parse = (text: string): Assertion => {
  const p = parseAssertion(text);
  if (!p.ok) throw new Error(p.message);
  return p.value;
};
const repeat = (n: number, ms: number) => new Array<number>(n).fill(ms);
/** The exact q-quantile of a list of latencies (nearest rank). */
const exact = (latencies: number[], q: number) =>
  [...latencies].sort((a, b) => a - b)[Math.ceil(q * latencies.length) - 1] as number;
/** What the evaluator did before frames carried histograms: call-weighted percentile of the windows' maxima. */
const oldEstimate = (windows: number[][], q: number) => {
  const points = windows.map((w) => ({ max: Math.max(...w), n: w.length })).sort((a, b) => a.max - b.max);
  const total = points.reduce((n, p) => n + p.n, 0);
  let seen = 0;
  for (const p of points) {
    seen += p.n;
    if (seen >= total * q) return p.max;
  }
  return 0;
};

// 10 frames: c->a always 10 calls, 1 error in each, window i's calls at 2i+1 .. 2i+10 ms; c->b 10 calls of 1 ms
const callsOf = (i: number) => Array.from({ length: 10 }, (_, k) => 2 * i + 1 + k);
const frames = Array.from({ length: 10 }, (_, i) =>
  frame([link('l1', 'c', 'a', callsOf(i), 1), link('l2', 'c', 'b', repeat(10, 1))]),
);

describe('evaluateAssertion', () => {
  it.each([
    ['errors(c->a) < 11%', true, 0.1],
    ['errors(c->a) < 10%', false, 0.1],
    ['errors(c) < 6%', true, 0.05],
    ['rate(c->a) > 49/s', true, 50],
    ['max(c->a) < 0.03s', true, 28],
    ['avg(c->a) < 15ms', true, 14.5],
  ])('%s -> %s', (text, ok, value) => {
    const result = evaluateAssertion(parse(text), frames);
    expect(result.ok).toBe(ok);
    expect(result.value).toBeCloseTo(value);
  });

  it('takes p50 and p99 from the histograms of all windows added up', () => {
    // 100 calls spread over 1..28 ms: the exact p50 is 14, p99 27; buckets of 10-20 and 20-50 ms hold them
    const all = frames.flatMap((_, i) => callsOf(i));
    const p50 = evaluateAssertion(parse('p50(c->a) < 20ms'), frames).value as number;
    const p99 = evaluateAssertion(parse('p99(c->a) < 30ms'), frames).value as number;
    expect(exact(all, 0.5)).toBe(14);
    expect(p50).toBeGreaterThan(10);
    expect(p50).toBeLessThanOrEqual(20);
    expect(exact(all, 0.99)).toBe(27);
    expect(p99).toBeGreaterThan(20);
    expect(p99).toBeLessThanOrEqual(28); // never above the slowest call
  });

  it('is the quantile of all the calls in range, not of the windows: a slow tail in one window', () => {
    // window 1: 99 fast calls; window 2: 99 fast calls and a tail of 2 slow ones (1% of all 200 calls)
    const windows = [repeat(99, 4), [...repeat(99, 4), 400, 400]];
    const run = windows.map((latencies) => frame([link('l1', 'c', 'a', latencies)]));
    const all = windows.flat();
    const p99 = evaluateAssertion(parse('p99(c->a) < 200ms'), run);
    console.log(
      `slow tail: exact p99 ${exact(all, 0.99)} ms, from merged histograms ${p99.value} ms, old estimate ${oldEstimate(windows, 0.99)} ms`,
    );
    expect(exact(all, 0.99)).toBe(4);
    expect(p99.ok).toBe(true);
    expect(p99.value).toBeGreaterThan(2);
    expect(p99.value).toBeLessThanOrEqual(5); // the bucket of 2-5 ms
    expect(oldEstimate(windows, 0.99)).toBe(400); // what this test would have said before: a false failure

    // the tail grows to 10 of 208 calls (4.8%): now p99 is slow, and p90 is still fast
    const tail = [repeat(99, 4), [...repeat(99, 4), ...repeat(10, 400)]];
    const tailRun = tail.map((latencies) => frame([link('l1', 'c', 'a', latencies)]));
    const slow = evaluateAssertion(parse('p99(c->a) < 200ms'), tailRun);
    expect(slow.ok).toBe(false);
    expect(slow.value).toBeGreaterThan(200);
    expect(slow.value).toBeLessThanOrEqual(400);
    const p90 = evaluateAssertion(parse('p90(c->a) < 200ms'), tailRun);
    expect(exact(tail.flat(), 0.9)).toBe(4);
    expect(p90.value).toBeLessThanOrEqual(5);
    expect(oldEstimate(tail, 0.9)).toBe(400);
  });

  it('p50 of two modes is one of them, not the mean of the windows', () => {
    // every window: half the calls at 10 ms, half at 190 ms; each window's mean is 100 ms, which no call took
    const windows = Array.from({ length: 5 }, () => [...repeat(50, 10), ...repeat(50, 190)]);
    const run = windows.map((latencies) => frame([link('l1', 'c', 'a', latencies)]));
    const p50 = evaluateAssertion(parse('p50(c->a) < 50ms'), run);
    expect(p50.ok).toBe(true);
    expect(p50.value).toBeLessThanOrEqual(10);
  });

  it('falls back to the slowest call when the frames carry no histogram', () => {
    const bare = [frame([{ ...link('l1', 'c', 'a', [5, 7, 60]), latencyBuckets: undefined }])];
    expect(evaluateAssertion(parse('p50(c->a) < 100ms'), bare).value).toBe(60);
  });

  it('says what was measured and what was needed', () => {
    expect(evaluateAssertion(parse('max(c->a) < 20ms'), frames).message).toBe(
      'max(c->a) = 28.0 ms, needed < 20.0 ms (100 calls)',
    );
  });

  it('fails an assertion on a link that carried nothing', () => {
    const result = evaluateAssertion(parse('p99(a->b) < 100ms'), frames);
    expect(result).toMatchObject({ ok: false, value: null });
    expect(result.message).toContain('no calls');
  });
});
