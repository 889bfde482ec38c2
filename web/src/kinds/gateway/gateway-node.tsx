// A gateway on the canvas: the door from outside. Nothing inside may call it (source handle only); once it runs
// it shows the door's URL, which a click copies.
import type { GatewayConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';
import { DoorUrl } from './door-url';

function describe(config: GatewayConfig): string {
  return `door · ${config.tls ? 'TLS' : 'plain HTTP'} on 127.0.0.1`;
}

export const GatewayNodeView = memo(function GatewayNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'gateway'>>) {
  return (
    <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live="accepted">
      <DoorUrl id={id} tls={data.config.tls === true} />
    </NodeFrame>
  );
});
