// An intruder: attacks the services it links to with a bad credential (or, as an impostor, answers in another
// service's name). It can never be called, so it has only a source handle; an impostor has none.
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { IntruderFlowNode } from '../store/flow-types';
import { NodeFrame } from './node-frame';

export const MODE_LABELS: Record<IntruderFlowNode['data']['config']['mode'], string> = {
  'no-cert': 'no certificate',
  'foreign-ca': 'certificate from a foreign CA',
  expired: 'expired certificate',
  unlinked: 'valid identity, no link',
  impostor: 'impostor',
};

function describe(config: IntruderFlowNode['data']['config']): string {
  if (config.mode === 'impostor') return `impostor of ${config.impersonates ?? '?'}`;
  const rps = config.rps ?? 2;
  return `${MODE_LABELS[config.mode]} · ${Number.isFinite(rps) ? rps : '?'}/s`;
}

export const IntruderNodeView = memo(function IntruderNodeView({ id, data, selected }: NodeProps<IntruderFlowNode>) {
  return (
    <NodeFrame id={id} kind="intruder" summary={describe(data.config)} selected={selected}>
      {data.config.mode !== 'impostor' && (
        <Handle type="source" position={Position.Right} aria-label={`Connect from ${id}`} />
      )}
    </NodeFrame>
  );
});
