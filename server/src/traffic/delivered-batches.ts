// Counting each telemetry batch once. A service sends a batch again, unchanged and with the same seq, when its
// POST failed or timed out -- and a timed-out POST may have arrived after all. Batches of one process are sent one
// at a time, in seq order, the next only once the previous was answered, so a copy is always of the last seq seen
// or, if the first copy came late, of one just before it.
import type { TelemetryBatch } from '@dw/world';

/**
 * A seq this close below the last one counted is a late copy. Further below, it is a new process that reuses the
 * pid (a restarted container's pid 1) and counts from 0 again.
 */
export const REPLAY_WINDOW = 4;

export class DeliveredBatches {
  private readonly last = new Map<string, { pid: number; seq: number }>();
  /** Copies seen (and not counted), since start. */
  copies = 0;

  /**
   * True the first time a batch is seen (then it is noted); false for a copy of one already counted. Each replica
   * counts its own seq: in containers every copy of a service is pid 1.
   */
  firstTime(batch: Pick<TelemetryBatch, 'serviceId' | 'replica' | 'pid' | 'seq'>): boolean {
    const key = `${batch.serviceId}#${batch.replica ?? 0}`;
    const last = this.last.get(key);
    if (last && last.pid === batch.pid && batch.seq <= last.seq && last.seq - batch.seq <= REPLAY_WINDOW) {
      this.copies++;
      return false;
    }
    this.last.set(key, { pid: batch.pid, seq: batch.seq });
    return true;
  }
}
