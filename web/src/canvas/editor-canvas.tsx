// The diagram: React Flow in controlled mode over the editor store, the drop target for palette items, and the
// particle overlay on top.
import { Background, Controls, type FinalConnectionState, MiniMap, ReactFlow, useReactFlow } from '@xyflow/react';
import { type DragEvent, useCallback, useEffect, useRef } from 'react';
import { entryOf } from '../kinds';
import { DeployProgressSummary } from '../live/deploy-progress-summary';
import { ParticleOverlay } from '../live/particle-overlay';
import { NODE_SIZE, readDraggedKind } from '../palette/palette-drag';
import { useEditor, useEditorActions, useStores } from '../store/editor-context';
import type { EditorEdge, EditorNode } from '../store/flow-types';
import { CanvasBar } from './canvas-bar';
import { fitOptions, MINIMAP_SIZE } from './fit-view';
import { edgeTypes, nodeTypes } from './node-and-edge-types';
import { useStickyFit } from './use-sticky-fit';

const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const DEFAULT_EDGE_OPTIONS = { type: 'link' } as const;
const FIT_BUTTON_OPTIONS = fitOptions(200);
const SNAP_GRID: [number, number] = [12, 12];

const miniMapColour = (node: EditorNode): string => entryOf(node.data.kind).colour;

export function EditorCanvas() {
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const loadSeq = useEditor((s) => s.loadSeq);
  const empty = useEditor((s) => s.worldId !== null && s.nodes.length === 0);
  const actions = useEditorActions();
  const { editor } = useStores();
  const flow = useReactFlow<EditorNode, EditorEdge>();
  const canvas = useRef<HTMLDivElement>(null);
  const { fit, follow, release, onMoveStart } = useStickyFit(canvas);

  // A freshly opened world is fitted into view (and stays fitted until moved); an empty one starts at the origin,
  // unzoomed.
  useEffect(() => {
    if (loadSeq === 0) return;
    if (editor.getState().nodes.length > 0) fit();
    else {
      release();
      void flow.setViewport({ x: 40, y: 40, zoom: 1 });
    }
  }, [loadSeq, editor, flow, fit, release]);

  const onDragOver = useCallback((event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const kind = readDraggedKind(event.dataTransfer);
      if (!kind || editor.getState().worldId === null) return;
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      actions.addNode(kind, { x: at.x - NODE_SIZE.width / 2, y: at.y - NODE_SIZE.height / 2 });
    },
    [actions, editor, flow],
  );

  const isValidConnection = useCallback(
    (connection: { source: string; target: string }) => actions.canConnect(connection),
    [actions],
  );

  // A link dropped where it may not go says why (a node cannot call itself, a client cannot be called...).
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode) return;
      const under = event.target instanceof Element ? event.target.closest('.react-flow__node') : null;
      const target = state.toNode?.id ?? under?.getAttribute('data-id');
      if (!target) return; // let go on the empty canvas: nothing was asked
      const why = actions.connectionRefusal({ source: state.fromNode.id, target });
      if (why) actions.pushToast({ tone: 'info', title: 'No link drawn', message: why, ttlMs: 6000 });
    },
    [actions],
  );

  // Deleting a node that runs asks first (the delete dialog): its process keeps running until the next deploy.
  const onBeforeDelete = useCallback(
    async ({ nodes, edges }: { nodes: EditorNode[]; edges: EditorEdge[] }) =>
      actions.requestRemove({ nodes: nodes.map((n) => n.id), links: edges.map((e) => e.id) }),
    [actions],
  );

  return (
    <div className="dw-canvas" ref={canvas}>
      <ReactFlow<EditorNode, EditorEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        onNodesChange={actions.onNodesChange}
        onEdgesChange={actions.onEdgesChange}
        onConnect={actions.connect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onMoveStart={onMoveStart}
        onNodeDragStart={release}
        onDragOver={onDragOver}
        onDrop={onDrop}
        deleteKeyCode={DELETE_KEYS}
        onBeforeDelete={onBeforeDelete}
        snapToGrid
        snapGrid={SNAP_GRID}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        colorMode="system"
        minZoom={0.2}
        maxZoom={2}
        attributionPosition="top-right"
        aria-label="World diagram"
      >
        <Background gap={24} size={1.5} />
        <MiniMap
          pannable
          zoomable
          nodeColor={miniMapColour}
          nodeStrokeWidth={0}
          ariaLabel="Overview"
          style={MINIMAP_SIZE}
        />
        <Controls
          showInteractive={false}
          orientation="horizontal"
          fitViewOptions={FIT_BUTTON_OPTIONS}
          onFitView={follow}
        />
        <ParticleOverlay />
      </ReactFlow>
      <CanvasBar fit={fit} />
      <DeployProgressSummary />
      {empty && (
        <div className="dw-empty-hint" role="note">
          <strong>An empty world</strong>
          <span>Drag a client and a service from the left, then connect them.</span>
          <span>Or open Worlds ▾ to start from a template.</span>
        </div>
      )}
    </div>
  );
}
