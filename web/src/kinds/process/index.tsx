// The process in the editor: the person's own program behind a sidecar. Its live line counts the requests its
// sidecar accepted; its node shows the command it runs. Target handle left, source handle right (node-frame).
import './process.css';
import type { ProcessConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { ProcessFields } from './process-fields';

const LIVE = 'accepted';

function describe(config: ProcessConfig): string {
  const command = config.command ?? '';
  return command.length > 32 ? `$ ${command.slice(0, 31)}…` : `$ ${command}`;
}

export const ProcessNodeView = memo(function ProcessNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'process'>>) {
  return <NodeFrame id={id} data={data} summary={describe(data.config)} selected={selected} live={LIVE} />;
});

export const processEntry = defineEntry({
  kind: 'process',
  View: ProcessNodeView,
  Fields: ProcessFields,
  colour: 'var(--dw-process)',
  live: LIVE,
  palette: { summary: 'Your own program (a command) behind a sidecar: mTLS, links, traffic.' },
});
