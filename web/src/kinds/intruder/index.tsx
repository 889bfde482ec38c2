// The intruder in the editor: it attacks over its links, so its live line counts the attempts it sends; its node
// says how it attacks (or, as an impostor, whom it answers for). No link may lead to it, and an impostor has none
// of its own (node-frame reads both from its kind's facts).
import './intruder.css';
import type { IntruderConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { IntruderFields, MODE_LABELS } from './intruder-fields';

const LIVE = 'sent';

function describe(config: IntruderConfig): string {
  if (config.mode === 'impostor') return `impostor of ${config.impersonates ?? '?'}`;
  const rps = config.rps ?? 2;
  return `${MODE_LABELS[config.mode]} · ${Number.isFinite(rps) ? rps : '?'}/s`;
}

export const IntruderNodeView = memo(function IntruderNodeView({
  id,
  data,
  selected,
}: NodeProps<FlowNodeOf<'intruder'>>) {
  return <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live={LIVE} />;
});

export const intruderEntry = defineEntry({
  kind: 'intruder',
  View: IntruderNodeView,
  Fields: IntruderFields,
  colour: 'var(--dw-intruder)',
  live: LIVE,
  palette: { summary: 'Attacks what it links to with a bad credential, or impersonates a service.' },
});
