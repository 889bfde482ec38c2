// Node and edge types for React Flow, as module-level constants so React Flow never sees a new object. The node
// types come from the kind registry (one view per kind).
import type { EdgeTypes } from '@xyflow/react';
import { nodeTypes } from '../kinds';
import { LinkEdgeView } from './link-edge';

export { nodeTypes };
export const edgeTypes = { link: LinkEdgeView } satisfies EdgeTypes;
