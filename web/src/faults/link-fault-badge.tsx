// Under a link's live numbers: the faults in force on it (each removable with its ×), its caller's breaker when
// not closed, and how many retries it took. Drawn only when there is something to say.
import { describeFault } from '@dw/world';
import { formatCount } from '../live/format';
import { useEditor, useTraffic } from '../store/editor-context';
import { useFaultActions, useLinkFaults } from './use-faults';

export function LinkFaultBadge({ linkId, x, y }: { linkId: string; x: number; y: number }) {
  const faults = useLinkFaults(linkId);
  const breaker = useTraffic((s) => s.links[linkId]?.breaker);
  const retries = useTraffic((s) => s.links[linkId]?.retries ?? 0);
  const deployed = useEditor((s) => s.deployedRev !== null);
  // a replay shows the faults it recorded; they are not there to remove
  const replaying = useEditor((s) => s.replay !== null);
  const { heal } = useFaultActions();
  const tripped = breaker !== undefined && breaker !== 'closed';
  if (!deployed || (faults.length === 0 && !tripped && retries === 0)) return null;
  return (
    <div
      className="dw-link-faults nodrag nopan"
      data-testid={`link-faults-${linkId}`}
      data-faults={faults.map((f) => f.fault.kind).join(' ')}
      data-breaker={breaker ?? ''}
      data-retries={retries}
      style={{ transform: `translate(-50%, 0) translate(${x}px, ${y + 5}px)` }}
    >
      {faults.map((f) => (
        <span key={f.id} className="dw-fault-chip">
          <span aria-hidden="true">⚡</span> {describeFault(f.fault)}
          {!replaying && (
            <button
              type="button"
              className="dw-fault-chip__remove"
              aria-label={`Remove fault ${describeFault(f.fault)} on ${linkId}`}
              title="Remove this fault"
              onClick={() => void heal(f.id)}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {tripped && <span className={`dw-breaker dw-breaker--${breaker}`}>breaker {breaker}</span>}
      {retries > 0 && <span className="dw-retries">↻ {formatCount(retries)} retries</span>}
    </div>
  );
}
