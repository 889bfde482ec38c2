// A live list that holds still while the person is on it: while the pointer is over it (or focus is in it) it
// shows the rows it had when they arrived, so the row under the pointer is the row that gets clicked; new rows
// wait, counted, and appear when the pointer leaves.
import { type FocusEvent, useCallback, useState } from 'react';

export interface HeldList<T> {
  /** The rows to show: the live ones, or the ones held. */
  shown: readonly T[];
  /** Live rows not shown while held. */
  waiting: number;
  held: boolean;
  /** Spread on the list's element. */
  bind: {
    onPointerEnter(): void;
    onPointerLeave(): void;
    onFocus(): void;
    onBlur(event: FocusEvent<HTMLElement>): void;
  };
}

export function useHeldList<T>(live: readonly T[], keyOf: (item: T) => string): HeldList<T> {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [snapshot, setSnapshot] = useState<readonly T[] | null>(null);
  const holding = hovered || focused;
  // the rows held are those of the moment the person arrived (taken in the same render, so no frame slips in)
  const held = holding ? (snapshot ?? live) : null;
  if (holding && snapshot === null) setSnapshot(live);
  if (!holding && snapshot !== null) setSnapshot(null);
  const shownKeys = held ? new Set(held.map(keyOf)) : null;
  const waiting = shownKeys ? live.filter((item) => !shownKeys.has(keyOf(item))).length : 0;
  const onPointerEnter = useCallback(() => setHovered(true), []);
  const onPointerLeave = useCallback(() => setHovered(false), []);
  const onFocus = useCallback(() => setFocused(true), []);
  const onBlur = useCallback((event: FocusEvent<HTMLElement>) => {
    if (!(event.relatedTarget instanceof Node && event.currentTarget.contains(event.relatedTarget))) setFocused(false);
  }, []);
  return {
    shown: held ?? live,
    waiting,
    held: held !== null,
    bind: { onPointerEnter, onPointerLeave, onFocus, onBlur },
  };
}
