// One sampled request, end to end: every span the services recorded (a client span per call, a server span per
// handling), parents before children, each bar placed on one time axis. Fan-out shows as siblings; failures red.
import type { Span, Trace } from '@dw/world';
import { useEffect, useState } from 'react';
import { httpClient } from '../api/http-client';
import { useEditor, useStores, useTraffic } from '../store/editor-context';

function depths(spans: readonly Span[]): Map<string, number> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = new Map<string, number>();
  const of = (s: Span): number => {
    const known = depth.get(s.spanId);
    if (known !== undefined) return known;
    const parent = s.parentId === null ? undefined : byId.get(s.parentId);
    const d = parent && parent !== s ? of(parent) + 1 : 0;
    depth.set(s.spanId, d);
    return d;
  };
  for (const s of spans) of(s);
  return depth;
}

const ms = (v: number) => `${v < 10 ? Math.round(v * 100) / 100 : Math.round(v * 10) / 10} ms`;

export function TraceWaterfall() {
  const { traffic } = useStores();
  const traceId = useTraffic((s) => s.openTraceId);
  const worldId = useEditor((s) => s.worldId);
  const [trace, setTrace] = useState<Trace | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setTrace(null);
    setError(null);
    if (!traceId || !worldId) return;
    let cancelled = false;
    // the deeper hops arrive with their services' next telemetry batches: ask again briefly while it grows
    let lastCount = -1;
    let tries = 0;
    const load = () => {
      httpClient
        .trace(worldId, traceId)
        .then((t) => {
          if (cancelled) return;
          setTrace(t);
          if (t.spans.length !== lastCount && tries++ < 5) {
            lastCount = t.spans.length;
            setTimeout(load, 400);
          }
        })
        .catch((e: Error) => !cancelled && setError(e.message));
    };
    load();
    return () => {
      cancelled = true;
    };
  }, [traceId, worldId]);

  if (!traceId) return null;
  const close = () => traffic.getState().actions.openTrace(null);
  const spans = trace?.spans ?? [];
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(...spans.map((s) => s.start + s.durationMs));
  const total = Math.max(0.001, end - start);
  const depth = depths(spans);
  const failed = spans.filter((s) => s.outcome !== 'ok').length;

  return (
    <div
      className="dw-trace"
      role="dialog"
      aria-label="Request trace"
      data-testid="trace-waterfall"
      data-trace-id={traceId}
    >
      <header className="dw-trace__header">
        <div>
          <h2 className="dw-trace__title">Request trace</h2>
          <code className="dw-trace__id">{traceId}</code>
        </div>
        <div className="dw-trace__summary">
          {trace && (
            <>
              {spans.length} spans · {new Set(spans.map((s) => s.service)).size} services · {ms(total)}
              {failed > 0 && <span className="dw-trace__failed"> · {failed} failed</span>}
            </>
          )}
        </div>
        <button type="button" className="dw-button" onClick={close} aria-label="Close trace">
          ✕
        </button>
      </header>
      {error && <p className="dw-field__message">{error}</p>}
      {!trace && !error && <p className="dw-muted">Loading…</p>}
      <ol className="dw-trace__rows">
        {spans.map((s) => {
          const left = ((s.start - start) / total) * 100;
          const width = Math.max(0.4, (s.durationMs / total) * 100);
          const d = depth.get(s.spanId) ?? 0;
          return (
            <li
              key={s.spanId}
              className={`dw-trace__row dw-trace__row--${s.kind} dw-trace__row--${s.outcome}`}
              data-testid="trace-span"
              data-hop={
                s.kind === 'client'
                  ? `${s.service}->${s.to}`
                  : s.kind === 'internal'
                    ? `${s.service}:${s.name}`
                    : s.service
              }
            >
              <span className="dw-trace__name" style={{ paddingLeft: `${d * 12}px` }}>
                {s.kind === 'client' ? (
                  <>
                    {s.service} <span className="dw-muted">→</span> {s.to}
                  </>
                ) : s.kind === 'internal' ? (
                  <em>
                    {s.service}: {s.name ?? 'inside'}
                  </em>
                ) : (
                  <strong>{s.service}</strong>
                )}
              </span>
              <span className="dw-trace__track">
                <span className="dw-trace__bar" style={{ left: `${left}%`, width: `${width}%` }} />
              </span>
              <span className="dw-trace__time">
                {ms(s.durationMs)}
                {s.outcome !== 'ok' && <span className="dw-trace__status"> {s.status || s.outcome}</span>}
              </span>
            </li>
          );
        })}
      </ol>
      <p className="dw-muted dw-trace__legend">
        Rows: a call (caller → callee, as the caller timed it), its handling (bold, as the callee timed it) and a wait
        inside one (italic: a message waiting in a queue), indented under what caused it. Bars share one time axis from
        the first span's start.
      </p>
    </div>
  );
}
