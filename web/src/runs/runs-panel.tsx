// The Runs panel: every recorded run of the open world (and every imported run), newest first. Replay opens one
// read-only on the canvas; two ticked runs can be compared; Export downloads one as a file, Import takes such a
// file back (it opens read-only, like any run), Delete removes an ended one.
import type { RunSummary } from '@dw/world';
import { useRef, useState } from 'react';
import { httpClient } from '../api/http-client';
import { useEditor, useEditorActions } from '../store/editor-context';

const time = (at: number) => new Date(at).toLocaleTimeString();
const duration = (run: RunSummary) =>
  run.endedAt === null ? 'running' : `${Math.max(0, Math.round((run.endedAt - run.startedAt) / 1000))} s`;

export function RunsPanel() {
  const open = useEditor((s) => s.runsOpen);
  const runs = useEditor((s) => s.runs);
  const actions = useEditorActions();
  const [ticked, setTicked] = useState<string[]>([]);
  const file = useRef<HTMLInputElement>(null);
  if (!open) return null;
  const toggle = (runId: string) =>
    setTicked((now) => (now.includes(runId) ? now.filter((id) => id !== runId) : [...now.slice(-1), runId]));
  const [older, newer] = [...ticked]
    .map((id) => runs.find((r) => r.runId === id))
    .filter((r): r is RunSummary => r !== undefined)
    .sort((a, b) => a.startedAt - b.startedAt);
  return (
    <div className="dw-modal-backdrop">
      <div
        className="dw-modal dw-runs"
        role="dialog"
        aria-modal="true"
        aria-labelledby="dw-runs-title"
        data-testid="runs-panel"
        onKeyDown={(event) => {
          if (event.key === 'Escape') void actions.showRuns(false);
        }}
      >
        <h2 id="dw-runs-title" className="dw-modal__title">
          Runs
        </h2>
        <p className="dw-muted">
          Every deploy is recorded until it stops. Replay one, or tick two to compare them (the older one is A).
        </p>
        {runs.length === 0 ? (
          <p data-testid="runs-empty">No runs yet: deploy the world, and its run is recorded until you stop it.</p>
        ) : (
          <table className="dw-runs__table">
            <thead>
              <tr>
                <th aria-label="Compare" />
                <th>Run</th>
                <th>Rev</th>
                <th>Started</th>
                <th>Length</th>
                <th>Frames</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.runId} data-testid={`run-${run.runId}`} data-ended={String(run.endedAt !== null)}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare run ${run.runId}`}
                      checked={ticked.includes(run.runId)}
                      onChange={() => toggle(run.runId)}
                    />
                  </td>
                  <td>
                    <code>{run.runId}</code>
                    {run.imported && <span className="dw-pill dw-pill--info">imported</span>}
                    {run.interrupted && (
                      <span className="dw-pill" title="Its controller stopped without ending it">
                        interrupted
                      </span>
                    )}
                    {run.truncated && (
                      <span className="dw-pill" title="It reached the size limit of one run">
                        truncated
                      </span>
                    )}
                  </td>
                  <td>{run.rev}</td>
                  <td>{time(run.startedAt)}</td>
                  <td>{duration(run)}</td>
                  <td>{run.frames}</td>
                  <td className="dw-runs__actions">
                    <button
                      type="button"
                      className="dw-button"
                      disabled={run.endedAt === null}
                      title={run.endedAt === null ? 'Still recording: stop the world to replay it' : 'Replay this run'}
                      onClick={() => void actions.openReplay(run.runId)}
                    >
                      Replay
                    </button>
                    <a className="dw-button" href={httpClient.runExportUrl(run.runId)} download>
                      Export
                    </a>
                    <button
                      type="button"
                      className="dw-button"
                      disabled={run.endedAt === null}
                      aria-label={`Delete run ${run.runId}`}
                      onClick={() => {
                        if (window.confirm(`Delete run ${run.runId}?`)) void actions.deleteRun(run.runId);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="dw-modal__actions">
          <button type="button" className="dw-button" onClick={() => file.current?.click()}>
            Import run…
          </button>
          <button
            type="button"
            className="dw-button dw-button--primary"
            disabled={!older || !newer}
            onClick={() => older && newer && void actions.compare(older.runId, newer.runId)}
          >
            Compare
          </button>
          <button type="button" className="dw-button" onClick={() => void actions.showRuns(false)}>
            Close
          </button>
        </div>
        <input
          ref={file}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-run-file"
          onChange={(event) => {
            const chosen = event.target.files?.[0];
            if (chosen) void chosen.text().then((text) => actions.importRun(text, chosen.name));
            event.target.value = '';
          }}
        />
      </div>
    </div>
  );
}
