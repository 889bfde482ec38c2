import { describe, expect, it } from 'vitest';
import { DEADLINE_TICK_MS, DeadlineExceededError, Deadlines } from './deadlines.js';

describe('Deadlines', () => {
  it('aborts a call at its deadline, tells every listener once, and leaves the others alone', () => {
    let now = 0;
    const deadlines = new Deadlines(() => now);
    const short = deadlines.start(100);
    const long = deadlines.start(1000);
    const heard: string[] = [];
    short.once('abort', () => heard.push('first'));
    short.once('abort', () => heard.push('second'));
    const removed = () => heard.push('removed');
    short.once('abort', removed);
    short.removeListener('abort', removed);
    long.once('abort', () => heard.push('long'));

    now = 99;
    deadlines.sweep();
    expect(short.aborted).toBe(false);
    now = 100;
    deadlines.sweep();
    deadlines.sweep();
    expect(short.aborted).toBe(true);
    expect(short.reason).toBeInstanceOf(DeadlineExceededError);
    expect(short.reason?.message).toBe('the call did not finish within 100 ms');
    expect(heard).toEqual(['first', 'second']);
    expect(long.aborted).toBe(false);
    expect(deadlines.size).toBe(1);
    deadlines.end(long);
    now = 5000;
    deadlines.sweep();
    expect(long.aborted).toBe(false);
    expect(deadlines.size).toBe(0);
    deadlines.close();
  });

  it('sweeps on its own while calls are in flight, within a tick of the deadline', async () => {
    const deadlines = new Deadlines();
    const started = performance.now();
    const signal = deadlines.start(60);
    const abortedAfter = await new Promise<number>((resolve) => {
      signal.once('abort', () => resolve(performance.now() - started));
    });
    expect(abortedAfter).toBeGreaterThanOrEqual(59);
    // a tick late at most, plus whatever the event loop was doing (generous: this is not a timing test)
    expect(abortedAfter).toBeLessThan(60 + DEADLINE_TICK_MS + 500);
    expect(deadlines.size).toBe(0);
    deadlines.close();
  });
});
