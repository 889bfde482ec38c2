// How the draft world looks to React Flow: one node type per service kind, one edge type for links.
import type { ClientConfig, Display, ServiceConfig, ServiceKind } from '@dw/world';
import type { Edge, Node } from '@xyflow/react';

/**
 * Node data is a union with one variant per kind: each carries only its own config, and what an imported
 * compose service came from (image, ports), shown but never run.
 */
export type ClientNodeData = { kind: 'client'; config: ClientConfig; display?: Display };
export type ServiceNodeData = { kind: 'service'; config: ServiceConfig; display?: Display };
export type EditorNodeData = ClientNodeData | ServiceNodeData;

export type ClientFlowNode = Node<ClientNodeData, 'client'>;
export type ServiceFlowNode = Node<ServiceNodeData, 'service'>;
/** A node's React Flow id is its service id (a DNS label); its type is its kind. */
export type EditorNode = ClientFlowNode | ServiceFlowNode;

/** A link carries nothing in its data: live numbers never flow through React Flow. */
export type LinkFlowEdge = Edge<Record<string, never>, 'link'>;
export type EditorEdge = LinkFlowEdge;

export type { ServiceKind };
