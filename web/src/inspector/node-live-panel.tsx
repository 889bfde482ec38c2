// What a node is doing right now, in the inspector: state, why, and its numbers (what it accepted, or what it sent:
// its kind's entry says which).

import { useFaultActions } from '../faults/use-faults';
import { formatCount, formatRate } from '../live/format';
import { HistoryChart } from '../live/history-chart';
import { LogsPanel } from '../live/logs-panel';
import { RefusalBadge } from '../live/refusal-badge';
import { useSentRate } from '../live/use-live';
import { useEditor, useTraffic } from '../store/editor-context';
import { ReadOnlyField } from './fields';

export function NodeLivePanel({ id, measure }: { id: string; measure: 'accepted' | 'sent' }) {
  const live = useTraffic((s) => s.services[id]);
  const sent = useSentRate(id);
  const running = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay cannot start anything
  const { start } = useFaultActions();
  // Nothing to say about a service that is not running and never said why.
  if (!live || (live.state === 'stopped' && !live.detail)) return null;
  return (
    <section className="dw-inspector__section" aria-label="Live">
      <h3 className="dw-section-title">Live</h3>
      <ReadOnlyField label="State">
        <span className={`dw-state dw-state--${live.state}`}>{live.state}</span>
      </ReadOnlyField>
      {live.detail && <p className="dw-detail">{live.detail}</p>}
      {running && live.state === 'crashed' && !/restart \d+ in/.test(live.detail ?? '') && (
        // down for good (restart "no", or given up): the way back is right where it says so
        <p className="dw-live-down">
          <button type="button" className="dw-button dw-button--primary" onClick={() => void start(id)}>
            Start again
          </button>{' '}
          <span className="dw-muted">on its port, with its identity; or set a restart policy below.</span>
        </p>
      )}
      {measure === 'accepted' ? (
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
      {measure === 'accepted' ? (
        <HistoryChart
          historyKey={`service:${id}`}
          rateLabel="Accepted"
          errorsLabel="Calls to it failed or refused"
          latencyLabel="p99 its callers saw"
        />
      ) : (
        <HistoryChart historyKey={`out:${id}`} rateLabel="Sent" />
      )}
      <LogsPanel serviceId={id} />
    </section>
  );
}
