import { describe, expect, it } from 'vitest';
import { pickWeighted } from './behaviour.js';
import { Breaker, LinkPolicy } from './call-policy.js';
import { FaultTable } from './faults.js';
import type { CallOutcome } from './stats.js';

describe('Breaker', () => {
  it('opens after N failures in a row, fails fast while open, lets one trial through after openMs', () => {
    let now = 0;
    const breaker = new Breaker({ failures: 3, openMs: 1000 }, () => now);
    for (let i = 0; i < 2; i++) {
      expect(breaker.admit()).toBe(true);
      breaker.record('error');
    }
    breaker.record('ok'); // a success resets the count
    for (let i = 0; i < 3; i++) {
      expect(breaker.admit()).toBe(true);
      breaker.record('error');
    }
    expect(breaker.current).toBe('open');
    expect(breaker.admit()).toBe(false);
    now = 1000;
    expect(breaker.current).toBe('half-open');
    expect(breaker.admit()).toBe(true);
    expect(breaker.admit()).toBe(false); // one trial at a time
    breaker.record('error');
    expect(breaker.current).toBe('open');
    now = 2000;
    expect(breaker.admit()).toBe(true);
    breaker.record('ok');
    expect(breaker.current).toBe('closed');
  });
});

describe('LinkPolicy', () => {
  it('retries failures up to the limit, never refusals', async () => {
    const policy = new LinkPolicy({ retries: 3, backoffMs: 0 });
    let attempts = 0;
    const failing = async (): Promise<CallOutcome> => {
      attempts++;
      return 'error';
    };
    expect(await policy.run(failing)).toEqual({ outcome: 'error', retries: 3, shortCircuited: false });
    expect(attempts).toBe(4);
    attempts = 0;
    const refused = async (): Promise<CallOutcome> => {
      attempts++;
      return 'refused';
    };
    expect((await policy.run(refused)).retries).toBe(0);
    expect(attempts).toBe(1);
  });

  it('passes its timeout to each attempt and short-circuits once the breaker is open', async () => {
    const policy = new LinkPolicy({ timeoutMs: 123, breaker: { failures: 2, openMs: 60_000 } });
    const seen: number[] = [];
    const attempt = async (timeoutMs: number): Promise<CallOutcome> => {
      seen.push(timeoutMs);
      return 'error';
    };
    await policy.run(attempt);
    await policy.run(attempt);
    const third = await policy.run(attempt);
    expect(third.shortCircuited).toBe(true);
    expect(seen).toEqual([123, 123]);
  });
});

describe('FaultTable', () => {
  const state = (over: object) => ({
    linkId: 'l1',
    latencyMs: 0,
    jitterMs: 0,
    abortPercent: 0,
    dropPercent: 0,
    partition: false,
    ...over,
  });

  it('decides partition, abort, drop and latency with jitter from its dice', () => {
    let roll = 0.5;
    const table = new FaultTable(undefined, () => roll);
    expect(table.decide('l1')).toEqual({ kind: 'none', delayMs: 0 });
    table.set({ links: [state({ latencyMs: 200, jitterMs: 50 })] });
    roll = 1;
    expect(table.decide('l1')).toEqual({ kind: 'none', delayMs: 250 });
    roll = 0;
    expect(table.decide('l1')).toEqual({ kind: 'none', delayMs: 150 });
    table.set({ links: [state({ abortPercent: 30 })] });
    roll = 0.29;
    expect(table.decide('l1').kind).toBe('abort');
    roll = 0.31;
    expect(table.decide('l1').kind).toBe('none');
    table.set({ links: [state({ dropPercent: 100 })] });
    expect(table.decide('l1').kind).toBe('drop');
    table.set({ links: [state({ partition: true, abortPercent: 100 })] });
    expect(table.decide('l1').kind).toBe('partition');
    expect(table.decide('other').kind).toBe('none');
  });
});

describe('pickWeighted', () => {
  const peers = [
    { linkId: 'a', id: 'a', url: 'https://a', weight: 3 },
    { linkId: 'b', id: 'b', url: 'https://b', weight: 1 },
    { linkId: 'c', id: 'c', url: 'https://c', weight: 0 },
  ];
  it('chooses by weight and never a zero weight', () => {
    expect(pickWeighted(peers, () => 0)[0]?.id).toBe('a');
    expect(pickWeighted(peers, () => 0.74)[0]?.id).toBe('a');
    expect(pickWeighted(peers, () => 0.76)[0]?.id).toBe('b');
    expect(pickWeighted(peers, () => 0.9999)[0]?.id).toBe('b');
    expect(pickWeighted([{ ...peers[2]! }])).toEqual([]);
  });
});
