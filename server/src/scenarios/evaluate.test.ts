import { type Assertion, parseAssertion, type TrafficFrame } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { evaluateAssertion } from './evaluate.js';

const link = (id: string, from: string, to: string, requests: number, errors: number, avg: number, max: number) => ({
  id,
  from,
  to,
  requests,
  errors,
  refused: 0,
  latencyMsAvg: avg,
  latencyMsMax: max,
  total: { requests, errors, refused: 0 },
});
const frame = (links: ReturnType<typeof link>[]): TrafficFrame => ({
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

// 10 frames of 2 s: c->a always 10 calls, 1 error in each; latency means 5..50 ms, maxima 10..100 ms
const frames = Array.from({ length: 10 }, (_, i) =>
  frame([link('l1', 'c', 'a', 10, 1, 5 * (i + 1), 10 * (i + 1)), link('l2', 'c', 'b', 10, 0, 1, 2)]),
);

describe('evaluateAssertion', () => {
  it.each([
    ['errors(c->a) < 11%', true, 0.1],
    ['errors(c->a) < 10%', false, 0.1],
    ['errors(c) < 6%', true, 0.05],
    ['rate(c->a) > 49/s', true, 50],
    ['p50(c->a) <= 25ms', true, 25],
    ['p99(c->a) < 100ms', false, 100],
    ['p90(c->a) < 100ms', true, 90],
    ['max(c->a) < 0.1s', false, 100],
    ['avg(c->a) < 30ms', true, 27.5],
  ])('%s -> %s', (text, ok, value) => {
    const result = evaluateAssertion(parse(text), frames);
    expect(result.ok).toBe(ok);
    expect(result.value).toBeCloseTo(value);
  });

  it('says what was measured and what was needed', () => {
    expect(evaluateAssertion(parse('p99(c->a) < 100ms'), frames).message).toBe(
      'p99(c->a) = 100.0 ms, needed < 100.0 ms (100 calls)',
    );
  });

  it('fails an assertion on a link that carried nothing', () => {
    const result = evaluateAssertion(parse('p99(a->b) < 100ms'), frames);
    expect(result).toMatchObject({ ok: false, value: null });
    expect(result.message).toContain('no calls');
  });
});
