// The right-hand panel: the selected node, else the selected link, else the world's settings.
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
  return (
    <aside className="dw-inspector" aria-label="Inspector">
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
