// The store in the editor: a key-value store its linked callers read and write. Its node shows its bounds and its
// live figures (keys, bytes, reads and writes per second, latency); its inspector lists its keys, shows a value
// and clears its data. A store calls no one: node-frame gives it a target handle only (its kind says so).
import './store.css';
import { DEFAULT_STORE_MAX_KEYS, DEFAULT_STORE_MAX_VALUE_BYTES, type StoreConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import { formatGauge, NodeGauges } from '../../live/node-gauges';
import { useServiceState } from '../../live/use-live';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { StoreFields } from './store-fields';
import { StorePanel } from './store-panel';

const LIVE = 'accepted';

/** The summary line of a store node: its bounds on keys and on a value. */
export function storeSummary(config: StoreConfig): string {
  const keys = (config.maxKeys ?? DEFAULT_STORE_MAX_KEYS).toLocaleString('en-US');
  return `≤ ${keys} keys · ≤ ${formatGauge(config.maxValueBytes ?? DEFAULT_STORE_MAX_VALUE_BYTES, 'bytes')} each`;
}

function Live({ id }: { id: string }) {
  const state = useServiceState(id);
  if (state === 'idle' || state === 'stopped') return null;
  return <NodeGauges id={id} kind="store" />;
}

export const StoreNodeView = memo(function StoreNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'store'>>) {
  return (
    <NodeFrame id={id} data={data} summary={storeSummary(data.config)} selected={selected} live={LIVE}>
      <Live id={id} />
    </NodeFrame>
  );
});

export const storeEntry = defineEntry({
  kind: 'store',
  View: StoreNodeView,
  Fields: StoreFields,
  Panels: StorePanel,
  colour: 'var(--dw-store)',
  live: LIVE,
  palette: { summary: 'A key-value store: what links to it GETs, PUTs and DELETEs keys, kept on disk.' },
});
