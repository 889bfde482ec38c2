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

const LUT_SEGMENTS = 24;

/**
 * A curve sampled by arc length, so dots move at an even pace (a Bézier's own parameter crawls near its ends).
 * `at(u)` gives the point a fraction u of the way along, plus the unit normal there for lateral offsets.
 */
export class EvenCurve {
  private readonly xs = new Float64Array(LUT_SEGMENTS + 1);
  private readonly ys = new Float64Array(LUT_SEGMENTS + 1);
  private readonly lengths = new Float64Array(LUT_SEGMENTS + 1);
  readonly length: number;

  constructor(curve: Curve) {
    const p: Point = { x: 0, y: 0 };
    let total = 0;
    for (let i = 0; i <= LUT_SEGMENTS; i++) {
      pointOnCurve(curve, i / LUT_SEGMENTS, p);
      this.xs[i] = p.x;
      this.ys[i] = p.y;
      if (i > 0) total += Math.hypot(p.x - this.xs[i - 1]!, p.y - this.ys[i - 1]!);
      this.lengths[i] = total;
    }
    this.length = total;
  }

  /** Writes the point at fraction u (0..1) of the length, offset sideways by `offset`, into `out`. */
  at(u: number, offset: number, out: Point): Point {
    const target = Math.min(1, Math.max(0, u)) * this.length;
    let lo = 0;
    let hi = LUT_SEGMENTS;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.lengths[mid]! < target) lo = mid;
      else hi = mid;
    }
    const span = this.lengths[hi]! - this.lengths[lo]! || 1;
    const f = (target - this.lengths[lo]!) / span;
    const dx = this.xs[hi]! - this.xs[lo]!;
    const dy = this.ys[hi]! - this.ys[lo]!;
    const d = Math.hypot(dx, dy) || 1;
    out.x = this.xs[lo]! + dx * f - (dy / d) * offset;
    out.y = this.ys[lo]! + dy * f + (dx / d) * offset;
    return out;
  }
}
