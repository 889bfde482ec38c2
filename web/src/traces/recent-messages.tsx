// Sampled messages of one link (from the frames) or the recent traces of the world (from the API); each opens
// its trace as a waterfall.
import type { TraceSummary } from '@dw/world';
import { useEffect, useState } from 'react';
import { httpClient } from '../api/http-client';
import { useEditor, useStores, useTraffic } from '../store/editor-context';

const NONE: never[] = [];

export function LinkMessages({ linkId }: { linkId: string }) {
  const { traffic } = useStores();
  const samples = useTraffic((s) => s.samples);
  const mine = samples
    .filter((m) => m.linkId === linkId)
    .slice(-6)
    .reverse();
  if (mine.length === 0) return <p className="dw-muted">Sampled messages appear here while traffic flows.</p>;
  return (
    <ul className="dw-messages">
      {mine.map((m) => (
        <li key={m.traceId}>
          <button
            type="button"
            className={`dw-messages__item dw-messages__item--${m.outcome}`}
            onClick={() => traffic.getState().actions.openTrace(m.traceId)}
            title="Open this request's trace"
          >
            <span className="dw-messages__dot" aria-hidden="true" />
            <code>{m.traceId.slice(0, 8)}</code>
            <span>{m.outcome}</span>
            <span className="dw-messages__ms">{m.latencyMs} ms</span>
          </button>
        </li>
      ))}
    </ul>
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
  if (!deployed) return null;
  return (
    <section className="dw-inspector__section" aria-label="Recent traces">
      <h3 className="dw-section-title">Recent traces</h3>
      {traces.length === 0 ? (
        <p className="dw-muted">Sampled requests appear here once clients send.</p>
      ) : (
        <ul className="dw-messages">
          {traces.map((t) => (
            <li key={t.traceId}>
              <button
                type="button"
                className={`dw-messages__item dw-messages__item--${t.errors > 0 ? 'error' : 'ok'}`}
                onClick={() => traffic.getState().actions.openTrace(t.traceId)}
                title="Open this request's trace"
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
    </section>
  );
}
