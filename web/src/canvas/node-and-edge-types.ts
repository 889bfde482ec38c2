// Node and edge types for React Flow, as module-level constants so React Flow never sees a new object.
import type { EdgeTypes, NodeTypes } from '@xyflow/react';
import { ClientNodeView } from './client-node';
import { IntruderNodeView } from './intruder-node';
import { LinkEdgeView } from './link-edge';
import { ServiceNodeView } from './service-node';

export const nodeTypes = {
  client: ClientNodeView,
  service: ServiceNodeView,
  intruder: IntruderNodeView,
} satisfies NodeTypes;
export const edgeTypes = { link: LinkEdgeView } satisfies EdgeTypes;
