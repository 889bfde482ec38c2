// The queue in the editor: a message broker. What calls it publishes; it delivers to the services it links to.
// Its node shows how it is set up, its messages waiting (dots that stop in a row) and its live figures (depth, in
// flight, in and out per second, the oldest message's age, dead letters); its inspector its dead letters and
// "clear data". Both handles: producers link to it, it links to its consumers.
import './queue.css';
import { DEFAULT_IN_FLIGHT_PER_CONSUMER, DEFAULT_MAX_ATTEMPTS, type QueueConfig } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { NodeFrame } from '../../canvas/node-frame';
import { NodeGauges } from '../../live/node-gauges';
import { useServiceState } from '../../live/use-live';
import type { FlowNodeOf } from '../../store/flow-types';
import { defineEntry } from '../kind-entry';
import { QueueFields } from './queue-fields';
import { QueuePanel } from './queue-panel';
import { WaitingDots } from './waiting-dots';

const LIVE = 'accepted';
const SHOWN = ['depth', 'inFlight', 'publishPerSec', 'deliverPerSec', 'oldestMs', 'deadLetters'] as const;

/** The summary line of a queue node: where it keeps messages, its per-consumer limit and its attempts. */
export function queueSummary(config: QueueConfig): string {
  const store = config.durable === false ? 'in memory' : 'on disk';
  return `${store} · ${config.inFlightPerConsumer ?? DEFAULT_IN_FLIGHT_PER_CONSUMER} in flight · ${config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS} attempts`;
}

function Live({ id }: { id: string }) {
  const state = useServiceState(id);
  if (state === 'idle' || state === 'stopped') return null;
  return (
    <>
      <WaitingDots id={id} />
      <NodeGauges id={id} kind="queue" only={SHOWN} />
    </>
  );
}

export const QueueNodeView = memo(function QueueNodeView({ id, data, selected }: NodeProps<FlowNodeOf<'queue'>>) {
  return (
    <NodeFrame id={id} data={data} summary={queueSummary(data.config)} selected={selected} live={LIVE}>
      <Live id={id} />
    </NodeFrame>
  );
});

export const queueEntry = defineEntry({
  kind: 'queue',
  View: QueueNodeView,
  Fields: QueueFields,
  Panels: QueuePanel,
  colour: 'var(--dw-queue)',
  live: LIVE,
  palette: { summary: 'A message broker: what calls it publishes; it delivers to what it links to, at least once.' },
});
