// The view stays fitted to the diagram until the person moves it. A fitted view (a world opened, Auto layout, the
// fit button) follows the canvas when the window is resized and the nodes when they grow (a deploy adds their
// live lines and state pills); a pan, a zoom or a dragged node ends that, so nothing refits under the hand.
import { useReactFlow } from '@xyflow/react';
import { type RefObject, useCallback, useEffect, useRef } from 'react';
import { useStores } from '../store/editor-context';
import type { EditorNode } from '../store/flow-types';
import { fitOptions } from './fit-view';

/** True when a node measured before has another size now (not when nodes are added, removed or first measured). */
export function resized(before: readonly EditorNode[], after: readonly EditorNode[]): boolean {
  if (before.length !== after.length) return false;
  const sizes = new Map(before.map((n) => [n.id, n.measured]));
  return after.some((n) => {
    const was = sizes.get(n.id);
    const now = n.measured;
    if (was?.width === undefined || now?.width === undefined) return false;
    return was.width !== now.width || was.height !== now.height;
  });
}

export interface StickyFit {
  /** Fits the diagram into view (animated over `duration` ms) and keeps it fitted. */
  fit: (duration?: number) => void;
  /** The view was just fitted some other way (React Flow's fit button): keep it fitted. */
  follow: () => void;
  /** The view was set some other way: stop following. */
  release: () => void;
  /** For React Flow's onMoveStart: a move with an event is the person's (a programmatic one has none). */
  onMoveStart: (event: MouseEvent | TouchEvent | null) => void;
}

export function useStickyFit(canvas: RefObject<HTMLElement | null>): StickyFit {
  const flow = useReactFlow();
  const { editor } = useStores();
  const fitted = useRef(false);
  const fit = useCallback(
    (duration = 0) => {
      fitted.current = true;
      void flow.fitView(fitOptions(duration));
    },
    [flow],
  );
  const follow = useCallback(() => {
    fitted.current = true;
  }, []);
  const release = useCallback(() => {
    fitted.current = false;
  }, []);
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    if (event) fitted.current = false;
  }, []);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    let frame = 0;
    const refit = (duration: number) => {
      if (!fitted.current) return;
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (fitted.current) void flow.fitView(fitOptions(duration));
      });
    };
    const observer = new ResizeObserver(() => refit(0));
    observer.observe(element);
    const unsubscribe = editor.subscribe((state, previous) => {
      if (state.nodes !== previous.nodes && resized(previous.nodes, state.nodes)) refit(150);
    });
    return () => {
      observer.disconnect();
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [canvas, editor, flow]);

  return { fit, follow, release, onMoveStart };
}
