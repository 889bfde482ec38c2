// The top bar: which world, its unsaved mark, the deployment's state, and Save / Deploy / Stop.

import { PauseButton } from '../live/pause-button';
import { useEditor, useEditorActions } from '../store/editor-context';
import { plural, selectDirty } from '../store/editor-store';
import { DeployStatusPill } from './deploy-status-pill';
import { WorldMenu } from './world-menu';
import { WorldPicker } from './world-picker';

function useDeployBlocker(): string | null {
  return useEditor((s) => {
    if (s.worldId === null) return 'No world is open';
    if (s.busy === 'loading' || s.busy === 'creating') return 'Loading…';
    if (s.problems.list.length > 0) return `${plural(s.problems.list.length, 'problem')} to fix`;
    if (s.nodes.length === 0) return 'Nothing drawn yet';
    return null;
  });
}

export function Toolbar() {
  const dirty = useEditor(selectDirty);
  const busy = useEditor((s) => s.busy);
  const loaded = useEditor((s) => s.worldId !== null);
  const invalid = useEditor((s) => s.problems.list.length > 0);
  const deployed = useEditor((s) => s.deployedRev !== null);
  const baseRev = useEditor((s) => s.baseRev);
  const blocker = useDeployBlocker();
  const observing = useEditor((s) => s.observing);
  const replaying = useEditor((s) => s.replay !== null);
  const actions = useEditorActions();

  const saveBlocker = !loaded
    ? 'No world is open'
    : invalid
      ? 'Fix the problems before saving'
      : !dirty
        ? 'No unsaved changes'
        : null;

  return (
    <header className="dw-toolbar">
      <div className="dw-brand">
        <span className="dw-brand__mark" aria-hidden="true" />
        Distributed World
      </div>
      <div className="dw-toolbar__world">
        <WorldPicker />
        {dirty && (
          <span className="dw-dirty" title="Unsaved changes" data-testid="unsaved-mark">
            <span aria-hidden="true">●</span> unsaved
          </span>
        )}
        {!dirty && baseRev !== null && <span className="dw-muted">saved · rev {baseRev}</span>}
        <button
          type="button"
          className="dw-button"
          onClick={() => void actions.createWorld()}
          disabled={busy === 'creating' || observing !== null}
        >
          New world
        </button>
        <WorldMenu />
        <button
          type="button"
          className="dw-button"
          data-testid="runs-button"
          disabled={!loaded}
          onClick={() => void actions.showRuns(true)}
          title="Recorded runs of this world: replay, compare, export, import"
        >
          Runs
        </button>
      </div>
      <div className="dw-toolbar__spacer" />
      <PauseButton />
      <DeployStatusPill />
      {observing !== null && (
        <span
          className="dw-pill dw-pill--info"
          data-testid="observing"
          title={`This controller only watches world "${observing}" running in docker compose, from its telemetry. Stop it with docker-compose down.`}
        >
          Observing compose · read-only
        </span>
      )}
      {replaying && (
        <button
          type="button"
          className="dw-pill dw-pill--info"
          data-testid="replay-pill"
          onClick={() => void actions.leaveReplay()}
          title="A recorded run is shown: nothing can be saved or deployed. Click to go back to live."
        >
          Replay · back to live
        </button>
      )}
      {observing === null && !replaying && (
        <div className="dw-toolbar__actions">
          {blocker && loaded && (
            <button type="button" className="dw-blocker" onClick={() => actions.select(null)} title="Show the problems">
              {blocker}
            </button>
          )}
          <button
            type="button"
            className="dw-button"
            onClick={() => void actions.save()}
            disabled={saveBlocker !== null || busy !== null}
            title={saveBlocker ?? 'Save (Ctrl+S)'}
          >
            Save
          </button>
          <button
            type="button"
            className="dw-button dw-button--primary"
            onClick={() => void actions.requestDeploy()}
            disabled={blocker !== null || busy !== null}
            title={
              blocker
                ? `Cannot deploy: ${blocker}`
                : deployed
                  ? 'Show what a redeploy changes, then apply it'
                  : dirty
                    ? 'Save, then deploy'
                    : 'Deploy the saved world'
            }
          >
            Deploy
          </button>
          <button
            type="button"
            className="dw-button"
            onClick={() => void actions.stop()}
            disabled={!deployed || busy !== null}
            title={deployed ? 'Stop every process of this world' : 'Nothing is deployed'}
          >
            Stop
          </button>
        </div>
      )}
    </header>
  );
}
