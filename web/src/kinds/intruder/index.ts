// The intruder in the editor: attacks over its links; its live line counts the attempts it sends.
import './intruder.css';
import { defineEntry } from '../kind-entry';
import { IntruderFields } from './intruder-fields';
import { IntruderNodeView } from './intruder-node';

export const intruderEntry = defineEntry({
  kind: 'intruder',
  View: IntruderNodeView,
  Fields: IntruderFields,
  colour: 'var(--dw-intruder)',
  live: 'sent',
});
