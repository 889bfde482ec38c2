// Copy and paste on the canvas: the selected nodes and the links among them, pasted with fresh unique ids.
import type { EditorEdge, EditorNode } from './flow-types';
import { nextLinkId } from './new-ids';

export interface Clip {
  nodes: EditorNode[];
  edges: EditorEdge[];
}

/** The selected nodes, and every link whose both ends are selected. Null when nothing is selected. */
export function copySelection(nodes: readonly EditorNode[], edges: readonly EditorEdge[]): Clip | null {
  const picked = nodes.filter((n) => n.selected);
  if (picked.length === 0) return null;
  const ids = new Set(picked.map((n) => n.id));
  return {
    nodes: picked.map((n) => structuredClone({ ...n, selected: false })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => structuredClone({ ...e, selected: false })),
  };
}

/** `orders` -> `orders-copy`, then `orders-copy-2`… never an id in `taken`; stays a DNS label (max 63). */
export function copyId(id: string, taken: ReadonlySet<string>): string {
  const base = `${id.replace(/-copy(-\d+)?$/, '').slice(0, 50)}-copy`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The clip as new nodes (selected, moved by `offset`) and links, with ids unused in the draft. */
export function pasteClip(
  clip: Clip,
  draft: { nodes: readonly EditorNode[]; edges: readonly EditorEdge[] },
  offset: { x: number; y: number },
): { nodes: EditorNode[]; edges: EditorEdge[] } {
  const taken = new Set(draft.nodes.map((n) => n.id));
  const renamed = new Map<string, string>();
  const nodes = clip.nodes.map((n): EditorNode => {
    const id = copyId(n.id, taken);
    taken.add(id);
    renamed.set(n.id, id);
    const position = { x: Math.round(n.position.x + offset.x), y: Math.round(n.position.y + offset.y) };
    return { ...structuredClone(n), id, position, selected: true };
  });
  const linkIds = draft.edges.map((e) => e.id);
  const edges = clip.edges.map((e): EditorEdge => {
    const id = nextLinkId(linkIds);
    linkIds.push(id);
    return {
      id,
      type: 'link',
      source: renamed.get(e.source) ?? e.source,
      target: renamed.get(e.target) ?? e.target,
    };
  });
  return { nodes, edges };
}
