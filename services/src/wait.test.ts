import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { waitAtLeast } from './wait.js';

describe('waitAtLeast', () => {
  it('never returns before the time asked, fractional delays included', async () => {
    for (const ms of [0.4, 1, 2.5, 4.7, 5, 7.3]) {
      for (let i = 0; i < 20; i++) {
        const start = performance.now();
        await waitAtLeast(ms);
        expect(performance.now() - start).toBeGreaterThanOrEqual(ms);
      }
    }
  });
});
