// The gateway in the editor: the door from outside. Its node shows the door's URL once it runs; its inspector
// has a "try it" box; its live line counts the requests that came in through the door.
import './gateway.css';
import { defineEntry } from '../kind-entry';
import { GatewayFields } from './gateway-fields';
import { GatewayNodeView } from './gateway-node';
import { TryItPanel } from './try-it-panel';

export const gatewayEntry = defineEntry({
  kind: 'gateway',
  View: GatewayNodeView,
  Fields: GatewayFields,
  Panels: TryItPanel,
  colour: 'var(--dw-gateway)',
  live: 'accepted',
  palette: { summary: 'The door from outside: forwards /<service>/… on 127.0.0.1 to the services it links to.' },
});
