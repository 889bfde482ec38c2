// The selected service's process while its world runs: kill it (its restart policy decides what happens next),
// restart it by hand, start it again once it is down, pause it (SIGSTOP) and resume it (SIGCONT). A service that runs more than once is acted on one copy at a time
// by default (its callers carry on through the others: the interesting case), or on every copy.
import { useId, useState } from 'react';
import { useReplicas } from '../live/use-live';
import { useEditor, useTraffic } from '../store/editor-context';
import { useFaultActions, useServicePause } from './use-faults';

const RUNNING = new Set(['ready', 'starting', 'restarting', 'paused']);

export function ServiceFaultPanel({ serviceId }: { serviceId: string }) {
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const state = useTraffic((s) => s.services[serviceId]?.state);
  const replicas = useReplicas(serviceId);
  const [picked, setPicked] = useState<number | 'all'>(1);
  const [restarting, setRestarting] = useState(false);
  const targetId = useId();
  const many = replicas !== undefined && replicas.length > 1;
  const replica = many && picked !== 'all' && picked <= replicas.length ? picked : undefined;
  const pause = useServicePause(serviceId, replica);
  const { inject, heal, kill, start, restart } = useFaultActions();
  if (!deployed) return null;
  const targetState = replica !== undefined ? replicas?.[replica - 1]?.state : state;
  const running = targetState !== undefined && RUNNING.has(targetState);
  // down: every copy crashed (killed with restart "no", or crashed for good); Start brings them back
  const down = state === 'crashed' || (replicas?.some((r) => r.state === 'crashed') ?? false);
  const what = replica !== undefined ? `replica ${replica}` : many ? 'every replica' : 'process';
  return (
    <section className="dw-inspector__section" aria-label="Process">
      <h3 className="dw-section-title">Process</h3>
      {many && (
        <div className="dw-field">
          <label className="dw-field__label" htmlFor={targetId}>
            Act on
          </label>
          <select
            id={targetId}
            className="dw-input"
            value={String(replica ?? 'all')}
            onChange={(event) => setPicked(event.target.value === 'all' ? 'all' : Number(event.target.value))}
          >
            {replicas.map((r) => (
              <option key={r.replica} value={r.replica}>
                replica {r.replica} ({r.state}
                {r.pid !== null ? `, pid ${r.pid}` : ''})
              </option>
            ))}
            <option value="all">every replica</option>
          </select>
        </div>
      )}
      <div className="dw-fault-actions">
        {down && !running ? (
          <button type="button" className="dw-button" onClick={() => void start(serviceId)}>
            Start
          </button>
        ) : (
          <button
            type="button"
            className="dw-button dw-button--danger"
            disabled={!running}
            onClick={() => void kill(serviceId, replica)}
          >
            Kill {what}
          </button>
        )}
        <button
          type="button"
          className="dw-button"
          disabled={restarting || (!running && !down)}
          onClick={() => {
            setRestarting(true);
            void restart(serviceId, replica).finally(() => setRestarting(false));
          }}
        >
          {restarting ? 'Restarting…' : `Restart ${what}`}
        </button>
        {pause ? (
          <button type="button" className="dw-button" onClick={() => void heal(pause.id)}>
            Resume {what}
          </button>
        ) : (
          <button
            type="button"
            className="dw-button"
            disabled={!running}
            onClick={() =>
              void inject(replica !== undefined ? { kind: 'pause', serviceId, replica } : { kind: 'pause', serviceId })
            }
          >
            Pause {what}
          </button>
        )}
      </div>
      <p className="dw-muted">
        Kill is SIGKILL: the restart policy decides what follows; Start brings a process that is down back. Restart
        stops it (SIGTERM) and starts a new one on the same port. Pause is SIGSTOP, resume SIGCONT.
        {many && ' Its callers spread their calls over the replicas that answer.'}
      </p>
    </section>
  );
}
