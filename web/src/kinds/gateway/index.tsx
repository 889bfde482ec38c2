// The gateway in the editor: the door from outside. Its live line counts the requests that came in through the
// door; its node shows the door's URL once it runs (a click copies it); its inspector has a "try it" box. Nothing
// inside may call it: node-frame gives it a source handle only (its kind's facts say so).
import './gateway.css';
import type { GatewayConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { DoorUrl } from './door-url';
import { GatewayFields } from './gateway-fields';
import { TryItPanel } from './try-it-panel';

const LIVE = 'accepted';

function describe(config: GatewayConfig): string {
  return `door · ${config.tls ? 'TLS' : 'plain HTTP'}`;
}

export const GatewayNodeView = memo(function GatewayNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'gateway'>>) {
  return (
    <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live={LIVE}>
      <DoorUrl id={id} tls={data.config.tls === true} />
    </NodeFrame>
  );
});

export const gatewayEntry = defineEntry({
  kind: 'gateway',
  View: GatewayNodeView,
  Fields: GatewayFields,
  Panels: TryItPanel,
  colour: 'var(--dw-gateway)',
  live: LIVE,
  palette: { summary: 'The door from outside: forwards /<service>/… to what it links to.' },
});
