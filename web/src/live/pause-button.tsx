// Pause and resume the live view: while paused, frames are dropped and dots and numbers hold still.
import { useEditor, useStores, useTraffic } from '../store/editor-context';

export function PauseButton() {
  const { traffic } = useStores();
  const paused = useTraffic((s) => s.paused);
  const deployed = useEditor((s) => s.deployedRev !== null);
  if (!deployed && !paused) return null;
  return (
    <button
      type="button"
      className={`dw-button dw-button--collapsible${paused ? ' dw-button--active' : ''}`}
      aria-pressed={paused}
      onClick={() => traffic.getState().actions.setPaused(!paused)}
      title={paused ? 'Resume the live view' : 'Hold the live view still (the world keeps running)'}
      data-testid="live-pause"
    >
      <span className="dw-button__icon" aria-hidden="true">
        {paused ? '▶' : '❚❚'}
      </span>
      <span className="dw-button__label">{paused ? 'Resume' : 'Pause'}</span>
    </button>
  );
}
