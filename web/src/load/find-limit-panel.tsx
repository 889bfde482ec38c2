// "Find the limit" for a running client: the controller steps its rate up until its calls fail or slow down,
// and this shows each step and the rate reached. Bounded on the controller (at most 20 steps of 2 s here).
import type { FindLimitResult } from '@dw/world';
import { useState } from 'react';
import { request, worldPath } from '../api/http-client';
import { useEditor, useEditorActions } from '../store/editor-context';

export function FindLimitPanel({ clientId }: { clientId: string }) {
  const worldId = useEditor((s) => s.worldId);
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const rps = useEditor((s) => {
    const node = s.nodes.find((n) => n.id === clientId);
    const config = node?.data.config;
    return config && 'rps' in config && typeof config.rps === 'number' ? config.rps : 0;
  });
  const { pushToast } = useEditorActions();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<FindLimitResult | null>(null);
  if (!deployed || !worldId) return null;
  const run = async () => {
    setBusy(true);
    setResult(null);
    try {
      const from = Math.max(5, Math.round(rps) || 5);
      setResult(
        await request<FindLimitResult>('POST', `${worldPath(worldId)}/find-limit`, {
          clientId,
          fromRps: from,
          stepRps: from,
          stepS: 2,
          maxSteps: 20,
          maxErrorPercent: 1,
          maxP99Ms: 1000,
        }),
      );
    } catch (error) {
      pushToast({ tone: 'error', title: 'Could not find the limit', message: (error as Error).message, ttlMs: 8000 });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="dw-inspector__section" aria-label="Limit">
      <h3 className="dw-section-title">Limit</h3>
      <p className="dw-muted">
        Steps this client's rate up from {Math.max(5, Math.round(rps) || 5)} req/s, 2 s a step, until over 1% of calls
        fail or p99 passes 1 s; then puts its rate back.
      </p>
      <button type="button" className="dw-button" disabled={busy} onClick={() => void run()}>
        {busy ? 'Finding the limit…' : 'Find the limit'}
      </button>
      {result && (
        <div data-testid={`limit-${clientId}`} data-limit={result.limitRps ?? ''}>
          <p>
            <strong>{result.limitRps === null ? 'No rate held' : `Held ${result.limitRps} req/s`}</strong>:{' '}
            {result.reason}
          </p>
          <ul className="dw-scenario__steps">
            {result.steps.map((s) => (
              <li key={s.rps}>
                {s.rps} req/s: {s.achievedRps}/s done, {s.errorPercent}% failed, p99 {s.p99Ms} ms{s.held ? '' : ' ✗'}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
