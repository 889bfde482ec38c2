// "Try it": one request through a running gateway's door, sent by the controller (POST .../gateways/:id/try; the
// page cannot reach the door's port itself). Shows the status, the headers and the body as they came, and opens
// the request's trace in the waterfall (the controller starts every try as a sampled trace).
import { GATEWAY_TRY_METHODS, type GatewayTryAnswer, type GatewayTryMethod } from '@dw/world';
import { useId, useState } from 'react';
import { httpClient } from '../../api/http-client';
import { useEditor, useStores } from '../../store/editor-context';
import { useDoorUrl } from './door-url';
import { readableBody, sendsBody, statusClass, statusLine, tryRequest } from './try-request';

function Answer({ id, answer }: { id: string; answer: GatewayTryAnswer }) {
  const { traffic } = useStores();
  const headers = Object.entries(answer.headers);
  return (
    <div className="dw-try__answer" data-testid={`try-answer-${id}`} data-status={answer.status}>
      <div className="dw-try__status">
        <span className={`dw-try__code dw-try__code--${statusClass(answer.status)}`}>{statusLine(answer.status)}</span>
        <span className="dw-muted">{answer.durationMs} ms</span>
        {answer.traceId && (
          <button
            type="button"
            className="dw-link-button"
            data-testid={`try-trace-${id}`}
            onClick={() => traffic.getState().actions.openTrace(answer.traceId ?? null)}
          >
            Open its trace
          </button>
        )}
      </div>
      <details>
        <summary className="dw-muted">
          {headers.length} header{headers.length === 1 ? '' : 's'}
        </summary>
        <pre className="dw-try__headers">{headers.map(([name, value]) => `${name}: ${value}`).join('\n')}</pre>
      </details>
      <pre className="dw-try__pre" data-testid={`try-body-${id}`}>
        {readableBody(answer.body, answer.headers['content-type']) || '(empty body)'}
        {answer.truncated ? '\n… (cut at 1 MiB)' : ''}
      </pre>
    </div>
  );
}

export function TryItPanel({ id }: { id: string }) {
  const worldId = useEditor((s) => s.worldId);
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const tls = useEditor((s) => {
    const data = s.nodes.find((n) => n.id === id)?.data;
    return data !== undefined && 'tls' in data.config && data.config.tls === true;
  });
  const firstRoute = useEditor((s) => {
    const link = s.edges.find((e) => e.source === id);
    return link ? `/${link.target}/` : '/';
  });
  const url = useDoorUrl(id, tls);
  const methodId = useId();
  const pathId = useId();
  const bodyId = useId();
  const [method, setMethod] = useState<GatewayTryMethod>('GET');
  const [typedPath, setPath] = useState<string | null>(null);
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<GatewayTryAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!deployed || !worldId) return null;
  const path = typedPath ?? firstRoute;

  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      setAnswer(await httpClient.tryGateway(worldId, id, tryRequest(method, path, body)));
    } catch (failure) {
      setAnswer(null);
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="dw-inspector__section" aria-label="Try it">
      <h3 className="dw-section-title">Try it</h3>
      <p className="dw-muted">
        {url ? (
          <>
            The door is at <code>{url}</code>. Send it a request (the controller does: this page cannot reach that
            port).
          </>
        ) : (
          'Once the gateway is ready, send its door a request from here.'
        )}
      </p>
      <form
        className="dw-try"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <div className="dw-try__row">
          <div className="dw-field dw-try__method">
            <label className="dw-field__label" htmlFor={methodId}>
              Method
            </label>
            <select
              id={methodId}
              className="dw-input"
              value={method}
              onChange={(event) => setMethod(event.target.value as GatewayTryMethod)}
            >
              {GATEWAY_TRY_METHODS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </div>
          <div className="dw-field dw-try__path">
            <label className="dw-field__label" htmlFor={pathId}>
              Path
            </label>
            <input
              id={pathId}
              className="dw-input dw-try__mono"
              type="text"
              value={path}
              spellCheck={false}
              autoComplete="off"
              onChange={(event) => setPath(event.target.value)}
            />
          </div>
        </div>
        {sendsBody(method) && (
          <div className="dw-field">
            <label className="dw-field__label" htmlFor={bodyId}>
              Body
            </label>
            <textarea
              id={bodyId}
              className="dw-input dw-try__body"
              value={body}
              spellCheck={false}
              placeholder='{"item": 42}'
              onChange={(event) => setBody(event.target.value)}
            />
          </div>
        )}
        <button type="submit" className="dw-button" disabled={busy || url === null}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
      {error && (
        <p className="dw-field__message" role="alert">
          {error}
        </p>
      )}
      {answer && <Answer id={id} answer={answer} />}
    </section>
  );
}
