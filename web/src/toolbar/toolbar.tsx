// The top bar: which world, its unsaved mark, the deployment's state, and Save / Deploy / Stop.
// One row from 1024 px wide up: below 1280 px the brand keeps its mark and New world its "+", and the buttons
// tighten; should it still be short of room (a long world name), it wraps onto a second row rather than let a
// control shrink or slide under its neighbour (styles.css, "top bar").

import { PauseButton } from '../live/pause-button';
import { selectReadinessMessage, selectReadinessTone } from '../store/deploy-readiness';
import { useEditor, useEditorActions } from '../store/editor-context';
import { selectDirty } from '../store/editor-store';
import { DeployStatusPill } from './deploy-status-pill';
import { WorldMenu } from './world-menu';
import { WorldPicker } from './world-picker';

/** Why Deploy is off (the same words the world's inspector says), or null when it may deploy. */
function useDeployBlocker(): { tone: string; message: string } | null {
  const tone = useEditor(selectReadinessTone);
  const message = useEditor(selectReadinessMessage);
  return tone === 'ready' ? null : { tone, message };
}

/** The blocker beside Deploy: problems are a red link to their list; an empty world or a load, a quiet note. */
function DeployBlocker({ tone, message }: { tone: string; message: string }) {
  const actions = useEditorActions();
  if (tone === 'problems') {
    return (
      <button
        type="button"
        className="dw-blocker"
        data-testid="deploy-readiness"
        data-tone={tone}
        onClick={() => actions.select(null)}
        title="Show the problems"
      >
        {message}
      </button>
    );
  }
  return (
    <span className="dw-readiness" data-testid="deploy-readiness" data-tone={tone}>
      {message}
    </span>
  );
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
      <div className="dw-brand" title="Distributed World">
        <span className="dw-brand__mark" aria-hidden="true" />
        <span className="dw-brand__name">Distributed World</span>
      </div>
      <div className="dw-toolbar__world">
        <WorldPicker />
        {dirty && (
          <span className="dw-dirty" title="Unsaved changes" data-testid="unsaved-mark">
            <span aria-hidden="true">●</span> unsaved
          </span>
        )}
        {!dirty && baseRev !== null && (
          <span className="dw-muted dw-saved" title={`Saved as revision ${baseRev}`}>
            saved · rev {baseRev}
          </span>
        )}
        <button
          type="button"
          className="dw-button dw-button--collapsible"
          onClick={() => void actions.createWorld()}
          disabled={busy === 'creating' || observing !== null}
          title="Start a new, empty world"
        >
          <span className="dw-button__icon" aria-hidden="true">
            +
          </span>
          <span className="dw-button__label">New world</span>
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
      <div className="dw-toolbar__end">
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
            {blocker && loaded && <DeployBlocker tone={blocker.tone} message={blocker.message} />}
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
                  ? `Cannot deploy: ${blocker.message}`
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
      </div>
    </header>
  );
}
