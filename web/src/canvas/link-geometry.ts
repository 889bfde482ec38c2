// The curve of a link, from a node's source handle (right) to another's target handle (left). The edge component
// draws it as SVG and the particle overlay samples it, so both must use these same functions.
import type { InternalNode } from '@xyflow/react';

export interface Point {
  x: number;
  y: number;
}

/** A cubic Bézier: start, two control points, end. */
export type Curve = readonly [Point, Point, Point, Point];

const CURVATURE = 0.25;

/** Matches React Flow's bezier control offset, so links look like its default edges. */
function controlOffset(distance: number): number {
  return distance >= 0 ? 0.5 * distance : CURVATURE * 25 * Math.sqrt(-distance);
}

export function linkCurve(sx: number, sy: number, tx: number, ty: number): Curve {
  return [
    { x: sx, y: sy },
    { x: sx + controlOffset(tx - sx), y: sy },
    { x: tx - controlOffset(tx - sx), y: ty },
    { x: tx, y: ty },
  ];
}

export function curvePath([a, b, c, d]: Curve): string {
  return `M${a.x},${a.y} C${b.x},${b.y} ${c.x},${c.y} ${d.x},${d.y}`;
}

/** The point at parameter t (0..1), written into `out` to avoid allocating in the animation loop. */
export function pointOnCurve([a, b, c, d]: Curve, t: number, out: Point): Point {
  const u = 1 - t;
  const w0 = u * u * u;
  const w1 = 3 * u * u * t;
  const w2 = 3 * u * t * t;
  const w3 = t * t * t;
  out.x = w0 * a.x + w1 * b.x + w2 * c.x + w3 * d.x;
  out.y = w0 * a.y + w1 * b.y + w2 * c.y + w3 * d.y;
  return out;
}

/** Where a link leaves (source, right edge) or enters (target, left edge) a node, in flow coordinates. */
export function handlePoint(node: InternalNode, end: 'source' | 'target'): Point | null {
  const origin = node.internals.positionAbsolute;
  const width = node.measured.width ?? node.width;
  const height = node.measured.height ?? node.height;
  const handle = node.internals.handleBounds?.[end]?.[0];
  if (handle) {
    return {
      x: origin.x + handle.x + (end === 'source' ? handle.width : 0),
      y: origin.y + handle.y + handle.height / 2,
    };
  }
  if (width === undefined || height === undefined) return null;
  return { x: origin.x + (end === 'source' ? width : 0), y: origin.y + height / 2 };
}
