// The service in the editor: it handles requests, so its live line counts the requests it accepted; its node shows
// its latency, error rate and copies. Target handle left, source handle right (node-frame, from its facts).
import './service.css';
import { latencyBounds, type ServiceConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import { formatPercent } from '../../live/format';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { ServiceFields } from './service-fields';

const LIVE = 'accepted';

function describe(config: ServiceConfig, replicas: number | undefined): string {
  const copies = replicas !== undefined && replicas !== 1 ? ` · ×${Number.isFinite(replicas) ? replicas : '?'}` : '';
  if (config.handler !== undefined) return `its own handler${copies}`;
  const { min, max } = latencyBounds(config.latencyMs);
  const latency =
    !Number.isFinite(min) || !Number.isFinite(max) || min < 0 || max < min
      ? 'latency?'
      : min === max
        ? `${min} ms`
        : `${min}–${max} ms`;
  const errorRate = config.errorRate ?? 0;
  // a value the world refuses (the inspector says why) is not shown as if it ran: "?" rather than "2000% errors"
  const rateShown = Number.isFinite(errorRate) && errorRate >= 0 && errorRate <= 1 ? formatPercent(errorRate) : '?';
  return `${latency} · ${rateShown} errors${copies}`;
}

export const ServiceNodeView = memo(function ServiceNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'service'>>) {
  return (
    <NodeFrame id={id} data={data} summary={describe(data.config, data.replicas)} selected={selected} live={LIVE} />
  );
});

export const serviceEntry = defineEntry({
  kind: 'service',
  View: ServiceNodeView,
  Fields: ServiceFields,
  colour: 'var(--dw-service)',
  live: LIVE,
  palette: { summary: 'Handles requests and fans out to its links.' },
});
