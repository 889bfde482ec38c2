// How the diagram is fitted into the canvas: zoomed to fill it (a large screen gets a larger diagram, up to
// MAX_FIT_ZOOM so a small world is not blown up), with room kept for what floats over the canvas, so that none of
// it covers a node: the diagram bar at the top left, the minimap at the bottom right and the zoom buttons at the
// bottom left.
import type { FitViewOptions } from '@xyflow/react';

/** React Flow's panels sit this far from the canvas's edges. */
const PANEL_MARGIN = 15;

/** The minimap, bottom right. */
export const MINIMAP_SIZE = { width: 168, height: 112 } as const;

/** The diagram bar (canvas-bar.tsx): 12 px from the top, 36 px tall. */
const BAR_BOTTOM = 12 + 36;

/** A fitted view never zooms in further than this. */
export const MAX_FIT_ZOOM = 1.5;

/** Space kept clear around the diagram, in CSS pixels of the canvas. */
export const FIT_PADDING = {
  top: `${BAR_BOTTOM + 16}px`,
  bottom: `${PANEL_MARGIN + MINIMAP_SIZE.height + 16}px`,
  left: '40px',
  right: '40px',
} as const;

export function fitOptions(duration = 0): FitViewOptions {
  return { padding: FIT_PADDING, maxZoom: MAX_FIT_ZOOM, duration };
}
