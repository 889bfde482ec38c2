// The selected link: who calls whom, its live numbers, and a way to delete it.
import { LinkFaultPanel } from '../faults/link-fault-panel';
import { formatCount, formatPercent, formatRate } from '../live/format';
import { HistoryChart } from '../live/history-chart';
import { LockIcon } from '../live/lock-icon';
import { useEditor, useEditorActions, useTraffic } from '../store/editor-context';
import { LinkMessages } from '../traces/recent-messages';
import { NumberField, ReadOnlyField } from './fields';

export function LinkInspector({ linkId }: { linkId: string }) {
  const edge = useEditor((s) => s.edges.find((e) => e.id === linkId));
  const messages = useEditor((s) => s.problems.links[linkId]);
  const live = useTraffic((s) => s.links[linkId]);
  const actions = useEditorActions();
  if (!edge) return null;
  return (
    <div className="dw-inspector__body">
      <header className="dw-inspector__header">
        <span className="dw-kind-badge dw-kind-badge--link">link</span>
        <h2 className="dw-inspector__title">
          {edge.source} → {edge.target}
        </h2>
      </header>
      <ReadOnlyField label="From">
        <button type="button" className="dw-link-button" onClick={() => actions.select({ nodeId: edge.source })}>
          {edge.source}
        </button>
      </ReadOnlyField>
      <ReadOnlyField label="To">
        <button type="button" className="dw-link-button" onClick={() => actions.select({ nodeId: edge.target })}>
          {edge.target}
        </button>
      </ReadOnlyField>
      <ReadOnlyField label="Link id">{linkId}</ReadOnlyField>
      <NumberField
        label="Weight"
        value={edge.data?.weight}
        optional
        placeholder="1"
        message={messages?.weight}
        hint={`Its share of ${edge.source}'s calls when ${edge.source} calls in weighted mode.`}
        onChange={(weight) => actions.setLinkWeight(linkId, weight)}
      />
      {messages &&
        Object.entries(messages).map(([field, message]) => (
          <p key={field} className="dw-field__message">
            {message}
          </p>
        ))}
      <fieldset className="dw-fieldset">
        <legend className="dw-field__label">Policy</legend>
        <div className="dw-segmented" role="radiogroup" aria-label="Link policy">
          {(['allow', 'deny'] as const).map((policy) => (
            <label key={policy}>
              <input
                type="radio"
                name={`policy-${linkId}`}
                checked={(edge.data?.policy ?? 'allow') === policy}
                onChange={() => actions.setLinkPolicy(linkId, policy)}
              />
              {policy === 'allow' ? 'Allow' : 'Deny'}
            </label>
          ))}
        </div>
      </fieldset>
      <p className="dw-muted">
        {edge.data?.policy === 'deny'
          ? `${edge.source} still calls ${edge.target} over this link, and ${edge.target} refuses every call with 403: the link is a route, not a permission.`
          : `Only ${edge.target} accepts calls from ${edge.source} over this link: its certificate names the caller, and calls without an allowing link are refused.`}
      </p>
      {live && (
        // one line per figure, whatever the numbers: the sampled messages below never move under the pointer
        <section className="dw-inspector__section dw-link-live" aria-label="Live">
          <h3 className="dw-section-title">Live</h3>
          <ReadOnlyField label="Rate">{formatRate(live.rate)}</ReadOnlyField>
          <ReadOnlyField label="Total">
            {formatCount(live.total)} req · {formatCount(live.errors)} err · {formatCount(live.refused)} refused
          </ReadOnlyField>
          <ReadOnlyField label="Mutual TLS">
            <span data-testid="link-mtls">
              {live.mutualTls ? (
                <>
                  <LockIcon className="dw-lock" /> both ends authenticated
                </>
              ) : (
                'no call answered, last 1 s'
              )}
            </span>
          </ReadOnlyField>
          <ReadOnlyField label="Connections">
            <span data-testid="link-handshakes">
              {formatCount(live.handshakes)} handshakes · {formatCount(Math.max(0, live.total - live.handshakes))}{' '}
              reused
            </span>
          </ReadOnlyField>
          <ReadOnlyField label="Failed">
            {formatPercent(live.errorShare + live.refusedShare)} of calls, last 1 s
          </ReadOnlyField>
          <ReadOnlyField label="Latency">
            p50 {Math.round(live.p50Ms * 10) / 10} · p99 {Math.round(live.p99Ms * 10) / 10} · mean{' '}
            {Math.round(live.latencyMs * 10) / 10} ms
          </ReadOnlyField>
          {/* the messages, which are clicked, above the history, which grows from one line to its charts */}
          <h3 className="dw-section-title">Sampled messages</h3>
          <LinkMessages linkId={linkId} />
          <h3 className="dw-section-title">History</h3>
          <HistoryChart historyKey={`link:${linkId}`} rateLabel="Requests" />
        </section>
      )}
      <LinkFaultPanel linkId={linkId} />
      <div className="dw-inspector__actions">
        <button type="button" className="dw-button dw-button--danger" onClick={() => actions.removeLink(linkId)}>
          Delete link
        </button>
      </div>
    </div>
  );
}
