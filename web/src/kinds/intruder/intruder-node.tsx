// An intruder on the canvas: how it attacks (or, as an impostor, whom it answers for). No link may lead to it,
// and an impostor has none of its own (node-frame reads both from the kind's facts).
import type { IntruderConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';

export const MODE_LABELS: Record<IntruderConfig['mode'], string> = {
  'no-cert': 'no certificate',
  'foreign-ca': 'certificate from a foreign CA',
  expired: 'expired certificate',
  unlinked: 'valid identity, no link',
  impostor: 'impostor',
};

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
  return <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live="sent" />;
});
