// The messages waiting in a queue, on its node: one dot per message (up to a row's worth), each arriving from the
// left and stopping in its place; when they are delivered the row shortens. The depth is the queue's own gauge.
import { useGauge } from '../../live/use-live';

/** Dots drawn at most; beyond them the node says how many more wait. */
export const MAX_WAITING_DOTS = 16;

/** What waits in a queue: what it holds and has not sent on its way to a consumer (never below 0). */
export function waitingOf(depth: number | undefined, inFlight: number | undefined): number {
  return Math.max(0, (depth ?? 0) - (inFlight ?? 0));
}

export function WaitingDots({ id }: { id: string }) {
  const waiting = waitingOf(useGauge(id, 'depth'), useGauge(id, 'inFlight'));
  const shown = Math.min(waiting, MAX_WAITING_DOTS);
  return (
    <div
      className="dw-queue-waiting"
      data-testid={`queue-waiting-${id}`}
      data-waiting={waiting}
      title={`${waiting} message(s) waiting in the queue`}
    >
      {Array.from({ length: shown }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a dot is a place in the row: its index is its identity
        <span key={i} className="dw-queue-waiting__dot" />
      ))}
      {waiting > shown && <span className="dw-queue-waiting__more">+{waiting - shown}</span>}
    </div>
  );
}
