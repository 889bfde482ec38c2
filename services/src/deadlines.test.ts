import { describe, expect, it } from 'vitest';
import { DEADLINE_TICK_MS, Deadlines } from './deadlines.js';

describe('Deadlines', () => {
  it('tells a call once at its deadline, never one that ended first, and leaves the others alone', () => {
    let now = 0;
    const deadlines = new Deadlines(() => now);
    const told: string[] = [];
    deadlines.start(100, () => told.push('short'));
    const long = deadlines.start(1000, () => told.push('long'));
    const ended = deadlines.start(50, () => told.push('ended'));
    deadlines.end(ended);

    now = 99;
    deadlines.sweep();
    expect(told).toEqual([]);
    now = 100;
    deadlines.sweep();
    deadlines.sweep();
    expect(told).toEqual(['short']);
    expect(deadlines.size).toBe(1);
    deadlines.end(long);
    now = 5000;
    deadlines.sweep();
    expect(told).toEqual(['short']);
    expect(deadlines.size).toBe(0);
    deadlines.close();
  });

  it('sweeps on its own while calls are in flight, within a tick of the deadline', async () => {
    const deadlines = new Deadlines();
    const started = performance.now();
    const expiredAfter = await new Promise<number>((resolve) => {
      deadlines.start(60, () => resolve(performance.now() - started));
    });
    expect(expiredAfter).toBeGreaterThanOrEqual(59);
    // a tick late at most, plus whatever the event loop was doing (generous: this is not a timing test)
    expect(expiredAfter).toBeLessThan(60 + DEADLINE_TICK_MS + 500);
    expect(deadlines.size).toBe(0);
    deadlines.close();
  });
});
