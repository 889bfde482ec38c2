// A client on the canvas: its rate and payload. It only calls, so it has only a source handle (node-frame).
import type { ClientConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';

function describe(config: ClientConfig): string {
  const rps = Number.isFinite(config.rps) ? `${config.rps} req/s` : 'rate?';
  return config.payloadBytes ? `${rps} · ${config.payloadBytes} B` : rps;
}

export const ClientNodeView = memo(function ClientNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'client'>>) {
  return <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live="sent" />;
});
