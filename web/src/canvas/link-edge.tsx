// A link between two services: one bezier path, red when invalid, dashed red when it denies, with its live
// numbers as a label.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { LinkFaultBadge } from '../faults/link-fault-badge';
import { LinkStatsLabel } from '../live/link-stats-label';
import { useEditor } from '../store/editor-context';
import type { LinkFlowEdge } from '../store/flow-types';
import { curvePath, linkCurve, type Point, pointOnCurve } from './link-geometry';

export const LinkEdgeView = memo(function LinkEdgeView({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  selected,
  data,
}: EdgeProps<LinkFlowEdge>) {
  const invalid = useEditor((s) => s.problems.links[id] !== undefined);
  const curve = linkCurve(sourceX, sourceY, targetX, targetY);
  const middle = pointOnCurve(curve, 0.5, { x: 0, y: 0 } as Point);
  const deny = data?.policy === 'deny';
  const classes = ['dw-link', deny && 'dw-link--deny', invalid && 'dw-link--invalid', selected && 'dw-link--selected'];
  return (
    <>
      <BaseEdge id={id} path={curvePath(curve)} className={classes.filter(Boolean).join(' ')} interactionWidth={16} />
      <EdgeLabelRenderer>
        <LinkStatsLabel linkId={id} x={middle.x} y={middle.y} deny={deny} />
        <LinkFaultBadge linkId={id} x={middle.x} y={middle.y} />
      </EdgeLabelRenderer>
    </>
  );
});
