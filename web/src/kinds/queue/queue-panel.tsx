// A queue's own inspector section: its dead letters while it runs (why each was given up on, and its first bytes),
// and "clear data".
import type { DeadLetterList } from '@dw/world';
import { useCallback, useEffect, useState } from 'react';
import { httpClient } from '../../api/http-client';
import { useGauge, useServiceState } from '../../live/use-live';
import { useEditor } from '../../store/editor-context';
import { ClearData } from '../clear-data';

function DeadLetters({ id }: { id: string }) {
  const worldId = useEditor((s) => s.worldId);
  const dead = useGauge(id, 'deadLetters') ?? 0;
  const [list, setList] = useState<DeadLetterList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    if (!worldId) return;
    httpClient
      .deadLetters(worldId, id)
      .then((answer) => {
        setList(answer);
        setError(null);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [worldId, id]);
  // asked again when the count changes
  useEffect(() => {
    if (dead >= 0) load();
  }, [dead, load]);
  return (
    <div className="dw-field" data-testid={`dead-letters-${id}`} data-count={list?.total ?? ''}>
      <span className="dw-field__label">Dead letters</span>
      {error && <p className="dw-field__message">{error}</p>}
      {list && list.total === 0 && <p className="dw-muted">None: every message so far was delivered or waits.</p>}
      {list && list.total > 0 && (
        <>
          <ul className="dw-dead-letters">
            {list.letters.map((letter) => (
              <li key={letter.id}>
                #{letter.id} · {letter.attempts} attempt(s) · {letter.reason}
                <br />
                <code>{letter.preview || '(empty)'}</code>
              </li>
            ))}
          </ul>
          <p className="dw-muted">
            {list.total} held{list.dropped > 0 ? `, ${list.dropped} older ones dropped` : ''}; newest first.
          </p>
        </>
      )}
    </div>
  );
}

export function QueuePanel({ id }: { id: string }) {
  const state = useServiceState(id);
  return (
    <section className="dw-inspector__section" aria-label="Messages">
      <h3 className="dw-section-title">Messages</h3>
      {state === 'ready' && <DeadLetters id={id} />}
      <ClearData id={id} what="messages" />
    </section>
  );
}
