// The page: top bar, palette, canvas, inspector, toasts. The root carries the open world's id and deployed rev.
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { EditorCanvas } from '../canvas/editor-canvas';
import { Inspector } from '../inspector/inspector';
import { useLiveConnection } from '../live/use-live-connection';
import { Palette } from '../palette/palette';
import { CompareView } from '../runs/compare-view';
import { ReplayBar } from '../runs/replay-bar';
import { RunsPanel } from '../runs/runs-panel';
import { useEditor, useEditorActions } from '../store/editor-context';
import { ToastStack } from '../toasts/toast-stack';
import { Toolbar } from '../toolbar/toolbar';
import { TraceWaterfall } from '../traces/trace-waterfall';
import { DeleteDialog } from './delete-dialog';
import { PlanDialog } from './plan-dialog';
import { useAutosave } from './use-autosave';
import { useShortcuts } from './use-shortcuts';
import { useUnsavedGuard } from './use-unsaved-guard';

function BootState() {
  const bootError = useEditor((s) => s.bootError);
  const busy = useEditor((s) => s.busy);
  const worldId = useEditor((s) => s.worldId);
  const none = useEditor((s) => s.worlds.length === 0);
  const actions = useEditorActions();
  if (worldId !== null) return null;
  if (bootError) {
    return (
      <div className="dw-boot" role="alert">
        <strong>Cannot reach the controller</strong>
        <p>{bootError}</p>
        <button type="button" className="dw-button dw-button--primary" onClick={() => void actions.boot()}>
          Try again
        </button>
      </div>
    );
  }
  if (busy === 'loading') return <div className="dw-boot">Loading…</div>;
  if (none) {
    return (
      <div className="dw-boot">
        <strong>No worlds yet</strong>
        <p>Press New world, or open the Worlds menu to start from a template or import a file.</p>
      </div>
    );
  }
  return null;
}

export function App() {
  const worldId = useEditor((s) => s.worldId);
  const deployedRev = useEditor((s) => s.deployedRev);
  const replayRunId = useEditor((s) => s.replay?.run.runId);
  const actions = useEditorActions();
  useLiveConnection();
  useShortcuts();
  useUnsavedGuard();
  useAutosave();

  useEffect(() => {
    void actions.boot();
  }, [actions]);

  return (
    <ReactFlowProvider>
      <div
        className="dw-app"
        data-world-id={worldId ?? undefined}
        data-deployed-rev={deployedRev === null ? '' : String(deployedRev)}
        data-replay={replayRunId}
      >
        <Toolbar />
        <ReplayBar />
        <CompareView />
        <main className="dw-main">
          <Palette />
          <EditorCanvas />
          <Inspector />
          <BootState />
        </main>
        <PlanDialog />
        <DeleteDialog />
        <RunsPanel />
        <TraceWaterfall />
        <ToastStack />
      </div>
    </ReactFlowProvider>
  );
}
