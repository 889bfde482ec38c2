// What a node is doing right now, in the inspector: state, why, and its numbers.
import type { ServiceKind } from '@dw/world';
import { formatCount, formatRate } from '../live/format';
import { HistoryChart } from '../live/history-chart';
import { LogsPanel } from '../live/logs-panel';
import { RefusalBadge } from '../live/refusal-badge';
import { useSentRate } from '../live/use-live';
import { useTraffic } from '../store/editor-context';
import { ReadOnlyField } from './fields';

export function NodeLivePanel({ id, kind }: { id: string; kind: ServiceKind }) {
  const live = useTraffic((s) => s.services[id]);
  const sent = useSentRate(id);
  // Nothing to say about a service that is not running and never said why.
  if (!live || (live.state === 'stopped' && !live.detail)) return null;
  return (
    <section className="dw-inspector__section" aria-label="Live">
      <h3 className="dw-section-title">Live</h3>
      <ReadOnlyField label="State">
        <span className={`dw-state dw-state--${live.state}`}>{live.state}</span>
      </ReadOnlyField>
      {live.detail && <p className="dw-detail">{live.detail}</p>}
      {kind === 'service' ? (
        <>
          <ReadOnlyField label="In">
            {formatRate(live.acceptedRate)} accepted · {formatCount(live.totalAccepted)} total
          </ReadOnlyField>
          <ReadOnlyField label="Out">{formatRate(live.outRate ?? 0)} calls to its peers</ReadOnlyField>
        </>
      ) : (
        <ReadOnlyField label="Sending">{formatRate(sent)}</ReadOnlyField>
      )}
      <RefusalBadge id={id} />
      <h3 className="dw-section-title">History</h3>
      {kind === 'service' ? (
        <HistoryChart historyKey={`service:${id}`} rateLabel="Accepted" />
      ) : (
        <HistoryChart historyKey={`out:${id}`} rateLabel="Sent" />
      )}
      <LogsPanel serviceId={id} />
    </section>
  );
}
