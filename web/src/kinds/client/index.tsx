// The client in the editor: it generates requests, so its live line counts the calls it sends; its node shows its
// rate and payload. It only calls: node-frame gives it a source handle only (its kind's facts say so).
import './client.css';
import { type ClientConfig, MAX_RPS } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { ClientFields } from './client-fields';

const LIVE = 'sent';

function describe(config: ClientConfig): string {
  // a rate the world refuses (negative, beyond the limit) is not shown as if it ran: the inspector says why
  const rps = Number.isFinite(config.rps) && config.rps >= 0 && config.rps <= MAX_RPS ? `${config.rps} req/s` : 'rate?';
  return config.payloadBytes ? `${rps} · ${config.payloadBytes} B` : rps;
}

export const ClientNodeView = memo(function ClientNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'client'>>) {
  return <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live={LIVE} />;
});

export const clientEntry = defineEntry({
  kind: 'client',
  View: ClientNodeView,
  Fields: ClientFields,
  colour: 'var(--dw-client)',
  live: LIVE,
  palette: { summary: 'Generates requests at a steady rate.' },
});
