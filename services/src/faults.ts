// The faults in force on this process's outbound links, set by the controller (PUT /_dw/faults) and applied in
// the caller's network path: latency before sending, abort and partition without sending, drop after sending.
import type { LinkFaultState, RuntimeFaults } from '@dw/world';

/** What one call over a link meets, decided before it is sent. */
export type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'partition' }
  | { kind: 'abort' }
  | { kind: 'drop'; delayMs: number };

export class FaultTable {
  private links = new Map<string, LinkFaultState>();

  constructor(
    initial?: RuntimeFaults,
    private readonly random: () => number = Math.random,
  ) {
    if (initial) this.set(initial);
  }

  /** Replaces every link's faults with these (links not listed have none). */
  set(faults: RuntimeFaults): void {
    this.links = new Map(faults.links.map((l) => [l.linkId, { ...l }]));
  }

  get size(): number {
    return this.links.size;
  }

  snapshot(): RuntimeFaults {
    return { links: [...this.links.values()].map((l) => ({ ...l })) };
  }

  /** Rolls the dice for one call over `linkId`. */
  decide(linkId: string): FaultDecision {
    const f = this.links.get(linkId);
    if (!f) return { kind: 'none', delayMs: 0 };
    if (f.partition) return { kind: 'partition' };
    if (f.abortPercent > 0 && this.random() * 100 < f.abortPercent) return { kind: 'abort' };
    const delayMs = Math.max(0, f.latencyMs + (f.jitterMs > 0 ? (this.random() * 2 - 1) * f.jitterMs : 0));
    if (f.dropPercent > 0 && this.random() * 100 < f.dropPercent) return { kind: 'drop', delayMs };
    return { kind: 'none', delayMs };
  }
}
