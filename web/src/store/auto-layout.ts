// Automatic layout: a small layered (Sugiyama-style) layout. Layers by longest path from the clients along
// links (cycles are broken by ignoring links back to a node already on the path), then each layer ordered by
// the average position of its callers, a few sweeps down and up. Left to right, like the diagram reads.
import { isKnownKind, kindOf } from '@dw/world';
import type { XYPosition } from '@xyflow/react';

export interface LayoutInput {
  /** A node of a kind no link may lead to (a client, a gateway, an intruder) starts a layer 0 path. */
  nodes: readonly { id: string; kind: string }[];
  links: readonly { from: string; to: string }[];
}

export const LAYER_GAP = 260;
export const ROW_GAP = 130;

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
  const positions = new Map<string, XYPosition>();
  const tallest = Math.max(0, ...filled.map((l) => l.length));
  filled.forEach((l, x) => {
    const top = ((tallest - l.length) * ROW_GAP) / 2;
    for (const [y, id] of l.entries()) positions.set(id, { x: x * LAYER_GAP, y: Math.round(top + y * ROW_GAP) });
  });
  return positions;
}
