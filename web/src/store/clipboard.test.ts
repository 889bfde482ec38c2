import { describe, expect, it } from 'vitest';
import { copyId, copySelection, pasteClip } from './clipboard';
import type { EditorEdge, EditorNode } from './flow-types';

const node = (id: string, selected: boolean): EditorNode => ({
  id,
  type: 'service',
  position: { x: 10, y: 20 },
  selected,
  data: { kind: 'service', config: { latencyMs: 5, errorRate: 0 } },
});
const edge = (id: string, source: string, target: string): EditorEdge => ({ id, type: 'link', source, target });

describe('clipboard', () => {
  const nodes = [node('a', true), node('b', true), node('c', false)];
  const edges = [edge('l1', 'a', 'b'), edge('l2', 'b', 'c')];

  it('copies the selected nodes and only the links among them', () => {
    const clip = copySelection(nodes, edges);
    expect(clip?.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(clip?.edges.map((e) => e.id)).toEqual(['l1']);
    expect(copySelection([node('x', false)], [])).toBeNull();
  });

  it('pastes with fresh unique ids, the copied links rewired to the copies, offset and selected', () => {
    const clip = copySelection(nodes, edges);
    if (!clip) throw new Error('nothing copied');
    const first = pasteClip(clip, { nodes, edges }, { x: 40, y: 40 });
    expect(first.nodes.map((n) => n.id)).toEqual(['a-copy', 'b-copy']);
    expect(first.nodes.every((n) => n.selected && n.position.x === 50 && n.position.y === 60)).toBe(true);
    expect(first.edges).toEqual([{ id: 'l3', type: 'link', source: 'a-copy', target: 'b-copy' }]);
    const again = pasteClip(
      clip,
      { nodes: [...nodes, ...first.nodes], edges: [...edges, ...first.edges] },
      { x: 80, y: 80 },
    );
    expect(again.nodes.map((n) => n.id)).toEqual(['a-copy-2', 'b-copy-2']);
    expect(again.edges.map((e) => e.id)).toEqual(['l4']);
  });

  it('keeps copy ids DNS labels', () => {
    const long = 'x'.repeat(63);
    expect(copyId(long, new Set()).length).toBeLessThanOrEqual(63);
    expect(copyId('a-copy', new Set(['a-copy']))).toBe('a-copy-2');
  });
});
