// The pace at which numbers on the canvas change. Frames arrive five times a second; a label or a node badge that
// changes five times a second is hard to read and, with 150 links, costs the page a style, layout and paint of
// every label each time (the largest part of its main-thread work in the browser benchmark). The repeated
// numbers on the canvas follow this clock instead: one notification at most every DISPLAY_EVERY_MS, always
// carrying the latest state, all labels in one React batch. The particle overlay and the inspector still follow
// every frame.
import type { StoreApi } from 'zustand/vanilla';

export const DISPLAY_EVERY_MS = 500;

export interface DisplayClock {
  subscribe(listener: () => void): () => void;
}

const clocks = new WeakMap<StoreApi<unknown>, DisplayClock>();

/**
 * The display clock of a store: its changes, throttled to one notification per `everyMs` (trailing edge kept).
 * A change `urgent` says is one (pausing the view, the deployment going away) is shown at once.
 */
export function displayClock<T>(
  store: StoreApi<T>,
  urgent: (state: T, previous: T) => boolean = () => false,
  everyMs = DISPLAY_EVERY_MS,
): DisplayClock {
  const known = clocks.get(store as StoreApi<unknown>);
  if (known) return known;
  const listeners = new Set<() => void>();
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = performance.now();
    for (const listener of listeners) listener();
  };
  store.subscribe((state, previous) => {
    if (listeners.size === 0) return;
    if (urgent(state, previous)) {
      clearTimeout(timer);
      fire();
      return;
    }
    if (timer !== undefined) return;
    const wait = last + everyMs - performance.now();
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  });
  const clock: DisplayClock = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  clocks.set(store as StoreApi<unknown>, clock);
  return clock;
}
