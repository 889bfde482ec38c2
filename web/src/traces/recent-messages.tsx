// Sampled messages of one link (from the frames) or the recent traces of the world (from the API); each opens
// its trace as a waterfall. Both lists hold still while the pointer is on them (use-held-list), so a click opens
// the trace of the row clicked, not of the row that slid under the pointer since.
import type { MessageSample, TraceSummary } from '@dw/world';
import { useEffect, useState } from 'react';
import { httpClient } from '../api/http-client';
import { useEditor, useStores, useTraffic } from '../store/editor-context';
import { type HeldList, useHeldList } from './use-held-list';

const NONE: never[] = [];
const sampleKey = (m: MessageSample) => m.traceId;
const traceKey = (t: TraceSummary) => t.traceId;

/** Under a held list: why it stands still, and how many rows wait. */
function HeldNote({ list }: { list: HeldList<unknown> }) {
  if (!list.held) return null;
  return (
    <p className="dw-messages__held" data-testid="messages-held">
      Held still while the pointer is here{list.waiting > 0 ? ` · ${list.waiting} newer` : ''}
    </p>
  );
}

export function LinkMessages({ linkId }: { linkId: string }) {
  const { traffic } = useStores();
  const samples = useTraffic((s) => s.samples);
  const mine = samples
    .filter((m) => m.linkId === linkId)
    .slice(-6)
    .reverse();
  const list = useHeldList(mine, sampleKey);
  if (list.shown.length === 0) return <p className="dw-muted">Sampled messages appear here while traffic flows.</p>;
  return (
    <>
      <ul className="dw-messages" data-testid={`messages-${linkId}`} {...list.bind}>
        {list.shown.map((m) => (
          <li key={m.traceId}>
            <button
              type="button"
              className={`dw-messages__item dw-messages__item--${m.outcome}`}
              onClick={() => traffic.getState().actions.openTrace(m.traceId)}
              title="Open this request's trace"
              data-trace-id={m.traceId}
            >
              <span className="dw-messages__dot" aria-hidden="true" />
              <code>{m.traceId.slice(0, 8)}</code>
              <span>{m.outcome}</span>
              <span className="dw-messages__ms">{m.latencyMs} ms</span>
            </button>
          </li>
        ))}
      </ul>
      <HeldNote list={list} />
    </>
  );
}

export function RecentTraces() {
  const { traffic } = useStores();
  const worldId = useEditor((s) => s.worldId);
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const [traces, setTraces] = useState<TraceSummary[]>(NONE);
  useEffect(() => {
    if (!worldId || !deployed) {
      setTraces(NONE);
      return;
    }
    let cancelled = false;
    const load = () =>
      httpClient
        .traces(worldId, 8)
        .then((list) => !cancelled && setTraces(list.traces))
        .catch(() => {});
    load();
    const timer = setInterval(load, 3000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [worldId, deployed]);
  const list = useHeldList(traces, traceKey);
  if (!deployed) return null;
  return (
    <section className="dw-inspector__section" aria-label="Recent traces">
      <h3 className="dw-section-title">Recent traces</h3>
      {list.shown.length === 0 ? (
        <p className="dw-muted">Sampled requests appear here once clients send.</p>
      ) : (
        <ul className="dw-messages" data-testid="recent-traces" {...list.bind}>
          {list.shown.map((t) => (
            <li key={t.traceId}>
              <button
                type="button"
                className={`dw-messages__item dw-messages__item--${t.errors > 0 ? 'error' : 'ok'}`}
                onClick={() => traffic.getState().actions.openTrace(t.traceId)}
                title="Open this request's trace"
                data-trace-id={t.traceId}
              >
                <span className="dw-messages__dot" aria-hidden="true" />
                <code>{t.traceId.slice(0, 8)}</code>
                <span>
                  {t.root} · {t.services} svc
                </span>
                <span className="dw-messages__ms">{Math.round(t.durationMs * 10) / 10} ms</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <HeldNote list={list} />
    </section>
  );
}
