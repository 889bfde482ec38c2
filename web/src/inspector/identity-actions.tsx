// While a world runs: renew every certificate now, or rotate its CA (both without dropping a request).
import type { IdentityRoll } from '@dw/world';
import { useState } from 'react';
import { ApiError, httpClient } from '../api/http-client';
import { useEditor } from '../store/editor-context';

type Action = 'renew' | 'rotate';

export function IdentityActions() {
  const worldId = useEditor((s) => s.worldId);
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const [busy, setBusy] = useState<Action | null>(null);
  const [result, setResult] = useState<{ action: Action; roll: IdentityRoll } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  if (!deployed || !worldId) return null;

  const run = async (action: Action) => {
    setBusy(action);
    setProblem(null);
    try {
      const roll = action === 'renew' ? await httpClient.renewIdentities(worldId) : await httpClient.rotateCa(worldId);
      setResult({ action, roll });
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="dw-inspector__section" aria-label="Identities">
      <h3 className="dw-section-title">Identities</h3>
      <div className="dw-identity-actions">
        <button type="button" className="dw-button" disabled={busy !== null} onClick={() => run('renew')}>
          {busy === 'renew' ? 'Renewing…' : 'Renew certificates'}
        </button>
        <button type="button" className="dw-button" disabled={busy !== null} onClick={() => run('rotate')}>
          {busy === 'rotate' ? 'Rotating…' : 'Rotate CA'}
        </button>
      </div>
      <p className="dw-field__hint">
        Every service reloads its certificate in place; a rotation trusts the old and new CA together until every
        service presents a certificate of the new one. Traffic keeps flowing.
      </p>
      {problem && <p className="dw-field__message">{problem}</p>}
      {result && (
        <p className="dw-muted" data-testid="identity-roll">
          {result.action === 'renew' ? 'Renewed' : 'CA rotated'} in {Math.round(result.roll.tookMs)} ms:{' '}
          {result.roll.reloaded} processes reloaded. CA serial {result.roll.ca.serial.slice(0, 16)}…
        </p>
      )}
    </section>
  );
}
