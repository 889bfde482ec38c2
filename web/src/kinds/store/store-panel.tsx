// A store's own inspector section: its keys while it runs (a page at a time, in order), the value of the one
// picked (as text, or base64 when it is not UTF-8), and "clear data".
import type { StoreKeyList, StoreValue } from '@dw/world';
import { useCallback, useEffect, useState } from 'react';
import { httpClient } from '../../api/http-client';
import { formatGauge } from '../../live/node-gauges';
import { useServiceState } from '../../live/use-live';
import { useEditor } from '../../store/editor-context';
import { ClearData } from '../clear-data';

const PAGE = 50;

function Keys({ id }: { id: string }) {
  const worldId = useEditor((s) => s.worldId);
  const [pages, setPages] = useState<StoreKeyList[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const [value, setValue] = useState<StoreValue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    (after?: string) => {
      if (!worldId) return;
      httpClient
        .storeKeys(worldId, id, after, PAGE)
        .then((page) => {
          setPages((previous) => (after === undefined ? [page] : [...previous, page]));
          setError(null);
        })
        .catch((failure: Error) => setError(failure.message));
    },
    [worldId, id],
  );
  useEffect(() => load(), [load]);
  useEffect(() => {
    if (!worldId || picked === null) return;
    let current = true;
    httpClient
      .storeValue(worldId, id, picked)
      .then((answer) => current && setValue(answer))
      .catch((failure: Error) => current && setError(failure.message));
    return () => {
      current = false;
    };
  }, [worldId, id, picked]);
  const keys = pages.flatMap((p) => p.keys);
  const last = pages[pages.length - 1];
  return (
    <div className="dw-field" data-testid={`store-keys-${id}`} data-total={last?.total ?? ''}>
      <span className="dw-field__label">
        Keys {last ? `(${last.total.toLocaleString('en-US')})` : ''}{' '}
        <button
          type="button"
          className="dw-link-button"
          onClick={() => {
            setPicked(null);
            setValue(null);
            load();
          }}
        >
          refresh
        </button>
      </span>
      {error && <p className="dw-field__message">{error}</p>}
      {last && last.total === 0 && <p className="dw-muted">No keys yet.</p>}
      {keys.length > 0 && (
        <ul className="dw-store-keys">
          {keys.map((k) => (
            <li key={k.key}>
              <button
                type="button"
                aria-pressed={picked === k.key}
                data-testid={`store-key-${k.key}`}
                onClick={() => setPicked(k.key)}
              >
                <span>{k.key}</span>
                <span className="dw-muted">{formatGauge(k.bytes, 'bytes')}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {last?.next !== undefined && (
        <button type="button" className="dw-link-button" onClick={() => load(last.next)}>
          more keys
        </button>
      )}
      {value && value.key === picked && (
        <>
          <span className="dw-field__label">
            {value.key} · {formatGauge(value.bytes, 'bytes')} · {value.encoding}
          </span>
          <pre className="dw-store-value" data-testid={`store-value-${id}`}>
            {value.value}
            {value.truncated ? '\n… (the first 64 KiB)' : ''}
          </pre>
        </>
      )}
    </div>
  );
}

export function StorePanel({ id }: { id: string }) {
  const state = useServiceState(id);
  const [cleared, setCleared] = useState(0);
  return (
    <section className="dw-inspector__section" aria-label="Data">
      <h3 className="dw-section-title">Data</h3>
      {state === 'ready' && <Keys key={cleared} id={id} />}
      <ClearData id={id} what="keys" onCleared={() => setCleared((n) => n + 1)} />
    </section>
  );
}
