// The right-hand panel: the selected node, else the selected link, else the world's settings. Another selection
// starts at the top of its panel, never at the scroll position of the one before.
import { useLayoutEffect, useRef } from 'react';
import { useEditor } from '../store/editor-context';
import { LinkInspector } from './link-inspector';
import { NodeInspector } from './node-inspector';
import { WorldSettings } from './world-settings';

export function Inspector() {
  // The index keys the node panel, so a rename (same index, new id) keeps its inputs and their focus.
  const nodeIndex = useEditor((s) => s.nodes.findIndex((n) => n.selected));
  const nodeId = useEditor((s) => s.nodes[nodeIndex]?.id);
  const linkId = useEditor((s) => s.edges.find((e) => e.selected)?.id);
  const loaded = useEditor((s) => s.worldId !== null);
  const panel = useRef<HTMLElement>(null);
  const shown = nodeId !== undefined ? `node:${nodeIndex}` : linkId !== undefined ? `link:${linkId}` : 'world';
  useLayoutEffect(() => {
    if (panel.current && shown) panel.current.scrollTop = 0;
  }, [shown]);
  return (
    <aside className="dw-inspector" aria-label="Inspector" ref={panel} data-testid="inspector">
      {!loaded ? null : nodeId !== undefined ? (
        <NodeInspector key={nodeIndex} nodeId={nodeId} />
      ) : linkId !== undefined ? (
        <LinkInspector key={linkId} linkId={linkId} />
      ) : (
        <WorldSettings />
      )}
    </aside>
  );
}
