import { describe, expect, it } from 'vitest';
import { parseHops, requestFacts } from './server.js';

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

describe('requestFacts', () => {
  it('finds the hop count, the traceparent and whether a body follows, whatever the case of the names', () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(
      requestFacts(['Host', 'b', 'X-DW-Hops', '3', 'content-length', '0', 'TraceParent', trace, 'x-dw-hops', '9']),
    ).toEqual({ hops: '3', trace, body: false });
    expect(requestFacts(['host', 'b', 'Content-Length', '1024'])).toEqual({
      hops: undefined,
      trace: undefined,
      body: true,
    });
    expect(requestFacts(['Transfer-Encoding', 'chunked']).body).toBe(true);
    expect(requestFacts([])).toEqual({ hops: undefined, trace: undefined, body: false });
  });
});
