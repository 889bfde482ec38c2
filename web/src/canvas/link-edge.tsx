// A link between two services: one bezier path with an arrowhead at the callee, red when invalid, dashed red when
// it denies, with its live numbers as a label.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, useInternalNode } from '@xyflow/react';
import { memo, useState } from 'react';
import { LinkFaultBadge } from '../faults/link-fault-badge';
import { LinkStatsLabel, type NodeBox } from '../live/link-stats-label';
import { useEditor } from '../store/editor-context';
import type { LinkFlowEdge } from '../store/flow-types';
import { type Curve, curvePath, linkCurve, type Point, pointOnCurve } from './link-geometry';

/** The arrowhead's length and half width, in flow units. */
const ARROW_LENGTH = 9;
const ARROW_HALF_WIDTH = 4.5;

/** A closed triangle whose tip is the curve's end, pointing along the curve's direction there. */
export function arrowPath(curve: Curve): string {
  const tip = curve[3];
  const before = pointOnCurve(curve, 0.97, { x: 0, y: 0 });
  let dx = tip.x - before.x;
  let dy = tip.y - before.y;
  const length = Math.hypot(dx, dy);
  if (length === 0) {
    dx = 1;
    dy = 0;
  } else {
    dx /= length;
    dy /= length;
  }
  const baseX = tip.x - dx * ARROW_LENGTH;
  const baseY = tip.y - dy * ARROW_LENGTH;
  const f = (n: number) => Math.round(n * 10) / 10;
  return `M${f(tip.x)},${f(tip.y)} L${f(baseX - dy * ARROW_HALF_WIDTH)},${f(baseY + dx * ARROW_HALF_WIDTH)} L${f(baseX + dy * ARROW_HALF_WIDTH)},${f(baseY - dx * ARROW_HALF_WIDTH)} Z`;
}

function useNodeBox(id: string): NodeBox | null {
  const node = useInternalNode(id);
  if (!node) return null;
  const width = node.measured.width ?? node.width;
  const height = node.measured.height ?? node.height;
  if (width === undefined || height === undefined) return null;
  const { x, y } = node.internals.positionAbsolute;
  return { x, y, width, height };
}

export const LinkEdgeView = memo(function LinkEdgeView({
  id,
  source,
  target,
  sourceX,
  sourceY,
  targetX,
  targetY,
  selected,
  data,
}: EdgeProps<LinkFlowEdge>) {
  const invalid = useEditor((s) => s.problems.links[id] !== undefined);
  // two runs compared: the link coloured by what got better or worse (runs/compare-view.tsx)
  const verdict = useEditor((s) => s.comparison?.verdicts[id]);
  const [hovered, setHovered] = useState(false);
  const from = useNodeBox(source);
  const to = useNodeBox(target);
  const curve = linkCurve(sourceX, sourceY, targetX, targetY);
  const middle = pointOnCurve(curve, 0.5, { x: 0, y: 0 } as Point);
  const deny = data?.policy === 'deny';
  const classes = [
    'dw-link',
    deny && 'dw-link--deny',
    invalid && 'dw-link--invalid',
    selected && 'dw-link--selected',
    verdict && verdict !== 'same' && `dw-link--${verdict}`,
  ];
  const arrowClasses = [
    'dw-link-arrow',
    deny && 'dw-link-arrow--deny',
    invalid && 'dw-link-arrow--invalid',
    selected && 'dw-link-arrow--selected',
  ];
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hovering only reveals the label; the edge itself is focusable
    <g onMouseEnter={() => setHovered(true)} onMouseLeave={() => setHovered(false)}>
      <BaseEdge id={id} path={curvePath(curve)} className={classes.filter(Boolean).join(' ')} interactionWidth={16} />
      <path
        d={arrowPath(curve)}
        className={arrowClasses.filter(Boolean).join(' ')}
        data-testid={`link-arrow-${id}`}
        data-verdict={verdict}
      />
      <EdgeLabelRenderer>
        <LinkStatsLabel
          linkId={id}
          x={middle.x}
          y={middle.y}
          deny={deny}
          ends={[from, to]}
          raised={selected === true || hovered}
          onHover={setHovered}
        />
        <LinkFaultBadge linkId={id} x={middle.x} y={middle.y} />
      </EdgeLabelRenderer>
    </g>
  );
});
