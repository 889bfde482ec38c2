import { describe, expect, it } from 'vitest';
import { parseHops } from './server.js';

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
