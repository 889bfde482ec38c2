// Automatic layout: a small layered (Sugiyama-style) layout. Layers by longest path from the clients along
// links (cycles are broken by ignoring links back to a node already on the path), then each layer ordered by
// the average position of its callers, a few sweeps down and up. Left to right, like the diagram reads.
// Between two layers there is room for a link's label, whole (its rate, total and errors, and below them the
// failed share and latencies), so the label never has to shrink or cover a node; nodes are spaced by their
// measured size when they have one, and by the size a running node grows to when not.
import { isKnownKind, kindOf } from '@dw/world';
import type { XYPosition } from '@xyflow/react';

export interface LayoutNode {
  id: string;
  /** A node of a kind no link may lead to (a client, a gateway, an intruder) starts a layer 0 path. */
  kind: string;
  /** Its measured size, when the canvas has drawn it. */
  width?: number;
  height?: number;
}

export interface LayoutInput {
  nodes: readonly LayoutNode[];
  links: readonly { from: string; to: string }[];
}

/** A node's box when it is not measured: as wide as a node is drawn, as tall as a running one (its live line). */
export const DEFAULT_NODE = { width: 172, height: 96 } as const;

/** Room between two layers for a link's label, whole ("12.5/s · 1,234 total · 0 err" over its second line). */
export const LABEL_ROOM = 224;

/** Room between two nodes of one layer, for the labels of the links that fan out to them. */
export const ROW_ROOM = 48;

/** The distance from one layer's left edge to the next one's, with nodes of the default size. */
export const LAYER_GAP = DEFAULT_NODE.width + LABEL_ROOM;

export function layeredLayout({ nodes, links }: LayoutInput): Map<string, XYPosition> {
  const ids = nodes.map((n) => n.id);
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const into = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const l of links) {
    if (!out.has(l.from) || !into.has(l.to) || l.from === l.to) continue;
    out.get(l.from)?.push(l.to);
    into.get(l.to)?.push(l.from);
  }
  // Longest path from the roots (clients, and nodes nobody calls), depth-first; a back link is ignored.
  const layer = new Map<string, number>();
  const onPath = new Set<string>();
  const visit = (id: string, depth: number) => {
    if (onPath.has(id) || (layer.get(id) ?? -1) >= depth) return;
    layer.set(id, depth);
    onPath.add(id);
    for (const next of out.get(id) ?? []) visit(next, depth + 1);
    onPath.delete(id);
  };
  const callable = (kind: string) => isKnownKind(kind) && kindOf(kind).facts.callable === true;
  const roots = nodes.filter((n) => !callable(n.kind) || (into.get(n.id)?.length ?? 0) === 0).map((n) => n.id);
  for (const id of roots) visit(id, 0);
  for (const id of ids) if (!layer.has(id)) visit(id, 0); // a cycle nobody enters
  const layers: string[][] = [];
  for (const id of ids) {
    const l = layer.get(id) ?? 0;
    layers[l] ??= [];
    layers[l].push(id);
  }
  const filled = layers.filter((l) => l !== undefined);
  // Barycentre ordering: two sweeps each way.
  const rank = new Map<string, number>();
  const rerank = () => {
    for (const l of filled) {
      for (const [i, id] of l.entries()) rank.set(id, i);
    }
  };
  rerank();
  const order = (l: string[], neighbours: Map<string, string[]>) => {
    const weight = (id: string) => {
      const ns = (neighbours.get(id) ?? []).map((n) => rank.get(n)).filter((r): r is number => r !== undefined);
      return ns.length === 0 ? (rank.get(id) ?? 0) : ns.reduce((a, b) => a + b, 0) / ns.length;
    };
    l.sort((a, b) => weight(a) - weight(b));
    for (const [i, id] of l.entries()) rank.set(id, i);
  };
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const l of filled.slice(1)) order(l, into);
    for (const l of filled.slice(0, -1).reverse()) order(l, out);
  }
  // Each layer one column, as wide as its widest node plus the label room; each column's nodes stacked with room
  // between them and centred on the tallest column.
  const box = new Map(nodes.map((n) => [n.id, { width: n.width ?? DEFAULT_NODE.width, height: n.height ?? 0 }]));
  const heightOf = (id: string) => Math.max(box.get(id)?.height ?? 0, DEFAULT_NODE.height);
  const widthOf = (id: string) => box.get(id)?.width ?? DEFAULT_NODE.width;
  const columnHeight = (l: string[]) => l.reduce((sum, id) => sum + heightOf(id), 0) + (l.length - 1) * ROW_ROOM;
  const tallest = Math.max(0, ...filled.map(columnHeight));
  const positions = new Map<string, XYPosition>();
  let left = 0;
  for (const l of filled) {
    let top = (tallest - columnHeight(l)) / 2;
    for (const id of l) {
      positions.set(id, { x: left, y: Math.round(top) });
      top += heightOf(id) + ROW_ROOM;
    }
    left += Math.max(...l.map(widthOf)) + LABEL_ROOM;
  }
  return positions;
}
