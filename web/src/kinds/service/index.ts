// The service in the editor: handles requests; its live line counts the requests it accepted.
import './service.css';
import { defineEntry } from '../kind-entry';
import { ServiceFields } from './service-fields';
import { ServiceNodeView } from './service-node';

export const serviceEntry = defineEntry({
  kind: 'service',
  View: ServiceNodeView,
  Fields: ServiceFields,
  colour: 'var(--dw-service)',
  live: 'accepted',
});
