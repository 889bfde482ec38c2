// A client: generates requests, calls its links, cannot be called (so it has only a source handle).
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { ClientFlowNode } from '../store/flow-types';
import { NodeFrame } from './node-frame';

function describe(config: ClientFlowNode['data']['config']): string {
  const rps = Number.isFinite(config.rps) ? `${config.rps} req/s` : 'rate?';
  return config.payloadBytes ? `${rps} · ${config.payloadBytes} B` : rps;
}

export const ClientNodeView = memo(function ClientNodeView({ id, data, selected }: NodeProps<ClientFlowNode>) {
  return (
    <NodeFrame id={id} kind="client" summary={describe(data.config)} selected={selected} display={data.display}>
      <Handle type="source" position={Position.Right} aria-label={`Connect from ${id}`} />
    </NodeFrame>
  );
});
