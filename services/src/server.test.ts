import { describe, expect, it } from 'vitest';
import { hopAndTraceHeaders, parseHops } from './server.js';

describe('parseHops', () => {
  it('reads the header, defaults to the budget, and never grants more than the budget', () => {
    expect(parseHops(undefined, 8)).toBe(8);
    expect(parseHops('3', 8)).toBe(3);
    expect(parseHops(' 0 ', 8)).toBe(0);
    expect(parseHops('-2', 8)).toBe(-2);
    expect(parseHops('1000', 8)).toBe(8);
    expect(parseHops('lots', 8)).toBe(8);
    expect(parseHops(['2', '5'], 8)).toBe(2);
  });
});

describe('hopAndTraceHeaders', () => {
  it('finds the hop count and the traceparent in a raw header list, whatever the case of their names', () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(
      hopAndTraceHeaders([
        'Host',
        'b',
        'X-DW-Hops',
        '3',
        'content-length',
        '0',
        'TraceParent',
        trace,
        'x-dw-hops',
        '9',
      ]),
    ).toEqual({ hops: '3', trace });
    expect(hopAndTraceHeaders(['host', 'b'])).toEqual({ hops: undefined, trace: undefined });
    expect(hopAndTraceHeaders([])).toEqual({ hops: undefined, trace: undefined });
  });
});
