// The selected service's process while its world runs: kill it (its restart policy decides what happens next),
// pause it (SIGSTOP) and resume it (SIGCONT).
import { useEditor, useTraffic } from '../store/editor-context';
import { useFaultActions, useServicePause } from './use-faults';

export function ServiceFaultPanel({ serviceId }: { serviceId: string }) {
  const deployed = useEditor((s) => s.deployedRev !== null);
  const state = useTraffic((s) => s.services[serviceId]?.state);
  const pause = useServicePause(serviceId);
  const { inject, heal, kill } = useFaultActions();
  if (!deployed) return null;
  const running = state === 'ready' || state === 'starting' || state === 'restarting' || state === 'paused';
  return (
    <section className="dw-inspector__section" aria-label="Process">
      <h3 className="dw-section-title">Process</h3>
      <div className="dw-fault-actions">
        <button
          type="button"
          className="dw-button dw-button--danger"
          disabled={!running}
          onClick={() => void kill(serviceId)}
        >
          Kill process
        </button>
        {pause ? (
          <button type="button" className="dw-button" onClick={() => void heal(pause.id)}>
            Resume process
          </button>
        ) : (
          <button
            type="button"
            className="dw-button"
            disabled={!running}
            onClick={() => void inject({ kind: 'pause', serviceId })}
          >
            Pause process
          </button>
        )}
      </div>
      <p className="dw-muted">
        Kill is SIGKILL: the restart policy decides what follows. Pause is SIGSTOP, resume SIGCONT.
      </p>
    </section>
  );
}
