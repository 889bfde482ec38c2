// A service: handles requests and fans out to its links. Target handle left, source handle right.
import { latencyBounds } from '@dw/world';
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { formatPercent } from '../live/format';
import type { ServiceFlowNode } from '../store/flow-types';
import { NodeFrame } from './node-frame';

function describe(config: ServiceFlowNode['data']['config'], replicas: number | undefined): string {
  const { min, max } = latencyBounds(config.latencyMs);
  const latency =
    !Number.isFinite(min) || !Number.isFinite(max) ? 'latency?' : min === max ? `${min} ms` : `${min}–${max} ms`;
  const errorRate = config.errorRate ?? 0;
  const copies = replicas !== undefined && replicas !== 1 ? ` · ×${Number.isFinite(replicas) ? replicas : '?'}` : '';
  return `${latency} · ${Number.isFinite(errorRate) ? formatPercent(errorRate) : '?'} errors${copies}`;
}

export const ServiceNodeView = memo(function ServiceNodeView({ id, data, selected }: NodeProps<ServiceFlowNode>) {
  return (
    <NodeFrame
      id={id}
      kind="service"
      summary={describe(data.config, data.replicas)}
      selected={selected}
      display={data.display}
    >
      <Handle type="target" position={Position.Left} aria-label={`Connect to ${id}`} />
      <Handle type="source" position={Position.Right} aria-label={`Connect from ${id}`} />
    </NodeFrame>
  );
});
