import { describe, expect, it } from 'vitest';
import { formatCountdown } from './certificate-panel';

describe('formatCountdown', () => {
  it.each([
    [24 * 3600_000 - 2000, '23 h 59 min 58 s'],
    [4 * 60_000 + 2500, '4 min 02 s'],
    [3 * 86_400_000 + 3600_000, '3 d 1 h 0 min'],
    [9000, '9 s'],
    [-3000, 'expired 3 s ago'],
  ])('%i ms reads "%s"', (ms, text) => {
    expect(formatCountdown(ms)).toBe(text);
  });
});
