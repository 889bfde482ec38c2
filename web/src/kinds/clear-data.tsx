// "Clear data" for a node whose kind keeps some (a queue's messages, a store's keys): asked twice, then the
// controller has the running process forget it all (on disk too), or removes its directory when nothing runs.
import type { DataCleared } from '@dw/world';
import { useState } from 'react';
import { httpClient } from '../api/http-client';
import { useEditor } from '../store/editor-context';

/** What "clear data" says once done: what a running process forgot, or that the directory of one down went. */
export function clearedMessage(done: DataCleared, what: string): string {
  return done.how === 'running'
    ? `Cleared: ${done.removed ?? 0} ${what} forgotten, on disk too.`
    : 'Cleared: its data directory is gone.';
}

export function ClearData({ id, what, onCleared }: { id: string; what: string; onCleared?: () => void }) {
  const worldId = useEditor((s) => s.worldId);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  if (!worldId) return null;
  const clear = async () => {
    setBusy(true);
    try {
      const done = await httpClient.clearData(worldId, id);
      setSaid(clearedMessage(done, what));
      onCleared?.();
    } catch (error) {
      setSaid(`Not cleared: ${(error as Error).message}`);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <div className="dw-clear-data">
      {asking ? (
        <div className="dw-fault-actions">
          <button
            type="button"
            className="dw-button dw-button--danger"
            disabled={busy}
            data-testid={`clear-data-confirm-${id}`}
            onClick={() => void clear()}
          >
            Clear every {what.replace(/s$/, '')}
          </button>
          <button type="button" className="dw-button" onClick={() => setAsking(false)}>
            Keep them
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="dw-button"
          data-testid={`clear-data-${id}`}
          onClick={() => {
            setSaid(null);
            setAsking(true);
          }}
        >
          Clear data…
        </button>
      )}
      <p className="dw-muted">
        {said ??
          `Its ${what} are kept in the world's data directory across restarts and redeploys, until the world is deleted or this clears them.`}
      </p>
    </div>
  );
}
