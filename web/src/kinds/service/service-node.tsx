// A service on the canvas: its latency, error rate and copies. Target handle left, source handle right.
import { latencyBounds, type ServiceConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import { formatPercent } from '../../live/format';
import type { FlowNodeOf } from '../../store/flow-types';

function describe(config: ServiceConfig, replicas: number | undefined): string {
  const { min, max } = latencyBounds(config.latencyMs);
  const latency =
    !Number.isFinite(min) || !Number.isFinite(max) ? 'latency?' : min === max ? `${min} ms` : `${min}–${max} ms`;
  const errorRate = config.errorRate ?? 0;
  const copies = replicas !== undefined && replicas !== 1 ? ` · ×${Number.isFinite(replicas) ? replicas : '?'}` : '';
  return `${latency} · ${Number.isFinite(errorRate) ? formatPercent(errorRate) : '?'} errors${copies}`;
}

export const ServiceNodeView = memo(function ServiceNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'service'>>) {
  return (
    <NodeFrame id={id} data={data} summary={describe(data.config, data.replicas)} selected={selected} live="accepted" />
  );
});
