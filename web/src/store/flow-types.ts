// How the draft world looks to React Flow: one node type per service kind, one edge type for links.
import type {
  ClientConfig,
  Display,
  IntruderConfig,
  LinkPolicy,
  RestartPolicy,
  ServiceConfig,
  ServiceKind,
} from '@dw/world';
import type { Edge, Node } from '@xyflow/react';

/**
 * Node data is a union with one variant per kind: each carries only its own config; clients and services also
 * what an imported compose service came from (image, ports), shown but never run, and their restart policy.
 */
export type ClientNodeData = { kind: 'client'; config: ClientConfig; display?: Display; restart?: RestartPolicy };
export type ServiceNodeData = {
  kind: 'service';
  config: ServiceConfig;
  display?: Display;
  restart?: RestartPolicy;
  /** How many copies run (absent: one). */
  replicas?: number;
};
export type IntruderNodeData = { kind: 'intruder'; config: IntruderConfig };
export type EditorNodeData = ClientNodeData | ServiceNodeData | IntruderNodeData;

export type ClientFlowNode = Node<ClientNodeData, 'client'>;
export type ServiceFlowNode = Node<ServiceNodeData, 'service'>;
export type IntruderFlowNode = Node<IntruderNodeData, 'intruder'>;
/** A node's React Flow id is its service id (a DNS label); its type is its kind. */
export type EditorNode = ClientFlowNode | ServiceFlowNode | IntruderFlowNode;

/** A link carries only what the world file says of it (its policy, its weight): live numbers never flow through
 * React Flow. */
export type LinkEdgeData = { policy?: LinkPolicy; weight?: number };
export type LinkFlowEdge = Edge<LinkEdgeData, 'link'>;
export type EditorEdge = LinkFlowEdge;

export type { ServiceKind };
