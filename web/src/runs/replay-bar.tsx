// While a run replays: a banner that says so (so live and replay never mix), the timeline (a scrubber, play,
// pause, speed), the run's events to jump to (deploy, faults, kills, refusal bursts, scenario lines, stop), and
// Back to live.
import { useEditor, useEditorActions } from '../store/editor-context';
import { ReplayPlayer, SPEEDS } from './replay-player';

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function ReplayBar() {
  const replay = useEditor((s) => s.replay);
  const player = useEditor((s) => s.player);
  const actions = useEditorActions();
  if (!replay || !player) return null;
  const { run, start, end, events } = replay;
  return (
    <section className="dw-replay" aria-label="Replay" data-testid="replay-bar" data-at={Math.round(player.at)}>
      <div className="dw-replay__banner" role="status" data-testid="replay-banner">
        Replay of run <code>{run.runId}</code> (rev {run.rev}){run.imported ? ', imported' : ''} · recorded{' '}
        {new Date(run.startedAt).toLocaleString()} · nothing here is live
      </div>
      <div className="dw-replay__controls">
        {player.playing ? (
          <button type="button" className="dw-button" onClick={actions.pause}>
            Pause
          </button>
        ) : (
          <button type="button" className="dw-button dw-button--primary" onClick={actions.play}>
            Play
          </button>
        )}
        <label className="dw-replay__speed">
          Speed
          <select value={player.speed} onChange={(event) => actions.setSpeed(Number(event.target.value))}>
            {SPEEDS.map((speed) => (
              <option key={speed} value={speed}>
                {speed}×
              </option>
            ))}
          </select>
        </label>
        <input
          type="range"
          className="dw-replay__timeline"
          aria-label="Timeline"
          min={start}
          max={end}
          step={100}
          value={player.at}
          onChange={(event) => actions.seek(Number(event.target.value))}
        />
        <span className="dw-replay__time" data-testid="replay-time">
          {clock(player.at - start)} / {clock(end - start)}
        </span>
        <button type="button" className="dw-button" onClick={() => void actions.leaveReplay()}>
          Back to live
        </button>
      </div>
      {events.length > 0 && (
        <ol className="dw-replay__events" aria-label="Events">
          {events.map((event) => (
            <li key={`${event.at} ${event.kind} ${event.text}`}>
              <button
                type="button"
                className={`dw-replay__event dw-replay__event--${event.kind}`}
                data-testid={`replay-event-${event.kind}`}
                title={`Jump to ${clock(event.at - start)}`}
                onClick={() => actions.seek(ReplayPlayer.showAt(event))}
              >
                {clock(event.at - start)} {event.text}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
