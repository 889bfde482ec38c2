// How the draft world looks to React Flow: one node type per kind, one edge type for links. Node data is derived
// from the world's node schemas (@dw/world): a node's data is its world node without id and position, so a new
// kind's fields arrive here by themselves.
import type { LinkPolicy, NodeOf, ServiceKind, WorldService } from '@dw/world';
import type { Edge, Node } from '@xyflow/react';

/** What a node of kind K carries besides its id and position: its kind, its config, and its kind's own fields. */
export type NodeDataOf<K extends ServiceKind> = Omit<NodeOf<K>, 'id' | 'position'>;
export type EditorNodeData = { [K in ServiceKind]: NodeDataOf<K> }[ServiceKind];

/** A node's React Flow id is its service id (a DNS label); its type is its kind. */
export type FlowNodeOf<K extends ServiceKind> = Node<NodeDataOf<K>, K>;
export type EditorNode = { [K in ServiceKind]: FlowNodeOf<K> }[ServiceKind];

export type ClientNodeData = NodeDataOf<'client'>;
export type ServiceNodeData = NodeDataOf<'service'>;
export type IntruderNodeData = NodeDataOf<'intruder'>;
export type ClientFlowNode = FlowNodeOf<'client'>;
export type ServiceFlowNode = FlowNodeOf<'service'>;
export type IntruderFlowNode = FlowNodeOf<'intruder'>;

/** A link carries only what the world file says of it (its policy, its weight): live numbers never flow through
 * React Flow. */
export type LinkEdgeData = { policy?: LinkPolicy; weight?: number };
export type LinkFlowEdge = Edge<LinkEdgeData, 'link'>;
export type EditorEdge = LinkFlowEdge;

export type { ServiceKind, WorldService };
