// The client in the editor: generates requests; its live line counts the calls it sends.
import './client.css';
import { defineEntry } from '../kind-entry';
import { ClientFields } from './client-fields';
import { ClientNodeView } from './client-node';

export const clientEntry = defineEntry({
  kind: 'client',
  View: ClientNodeView,
  Fields: ClientFields,
  colour: 'var(--dw-client)',
  live: 'sent',
});
