import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { displayClock } from './display-clock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('displayClock', () => {
  it('tells its listeners at most once per period, and always about the latest change', async () => {
    const store = createStore<{ n: number; paused: boolean }>()(() => ({ n: 0, paused: false }));
    const clock = displayClock(store, (s, p) => s.paused !== p.paused, 80);
    const seen: number[] = [];
    clock.subscribe(() => seen.push(store.getState().n));

    store.setState({ n: 1 }); // the first change shows at once
    for (let n = 2; n <= 5; n++) store.setState({ n }); // these wait for the period
    expect(seen).toEqual([1]);
    await sleep(150);
    expect(seen).toEqual([1, 5]); // one notification for four changes, carrying the last

    store.setState({ n: 6 });
    store.setState({ n: 7 });
    store.setState({ paused: true }); // urgent: shown at once, with everything before it
    expect(seen.at(-1)).toBe(7);
    const count = seen.length;
    await sleep(150);
    expect(seen.length).toBe(count); // nothing left pending after an urgent change
  });

  it('is one clock per store, whoever asks', () => {
    const store = createStore<{ n: number }>()(() => ({ n: 0 }));
    expect(displayClock(store)).toBe(displayClock(store));
  });
});
