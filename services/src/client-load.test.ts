import { describe, expect, it } from 'vitest';
import { rateAt } from './client-load.js';

describe('rateAt', () => {
  it('holds rps without a ramp, and ramps linearly to toRps over overS, then holds', () => {
    expect(rateAt(10, undefined, 5000)).toBe(10);
    const ramp = { toRps: 110, overS: 10 };
    expect(rateAt(10, ramp, 0)).toBe(10);
    expect(rateAt(10, ramp, 5000)).toBe(60);
    expect(rateAt(10, ramp, 10_000)).toBe(110);
    expect(rateAt(10, ramp, 60_000)).toBe(110);
    expect(rateAt(50, { toRps: 0, overS: 5 }, 2500)).toBe(25);
  });
});
