// Turns the telemetry batches of one deployment into traffic frames. Batches are merged into the window in
// which they ARRIVE; frame() closes the window. A frame lists every link and every service of the world
// (zeros included), so its size depends on the size of the world, not on the message rate.
import type { BreakerState, LinkTraffic, Refusal, ServiceState, TelemetryBatch, TrafficFrame, World } from '@dw/world';

/** Distinct (to, from, reason) refusal groups kept per window; more are counted into the ones already there. */
export const MAX_REFUSAL_GROUPS = 256;

interface LinkWindow {
  retries: number;
  handshakes: number;
  answered: number;
  requests: number;
  errors: number;
  refused: number;
  latencySum: number;
  latencyMax: number;
}

interface LinkEntry {
  id: string;
  from: string;
  to: string;
  window: LinkWindow;
  total: { requests: number; errors: number; refused: number; handshakes: number };
  totalRetries: number;
  breaker: BreakerState | undefined;
}

const emptyWindow = (): LinkWindow => ({
  retries: 0,
  handshakes: 0,
  answered: 0,
  requests: 0,
  errors: 0,
  refused: 0,
  latencySum: 0,
  latencyMax: 0,
});

export class TrafficAggregator {
  private readonly links: LinkEntry[];
  /** `${from}\n${linkId}` -> entry: a caller reports per link id, and only its own links count. */
  private readonly linkByCaller = new Map<string, LinkEntry>();
  private readonly linked = new Set<string>();
  private readonly services: { id: string; accepted: number; totalAccepted: number }[];
  private readonly serviceById = new Map<string, { id: string; accepted: number; totalAccepted: number }>();
  private refusals = new Map<string, Refusal>();
  private windowStart: number;

  constructor(
    readonly worldId: string,
    readonly rev: number,
    world: World,
    startedAt = Date.now(),
  ) {
    this.windowStart = startedAt;
    this.links = world.links.map((l) => ({
      id: l.id,
      from: l.from,
      to: l.to,
      window: emptyWindow(),
      total: { requests: 0, errors: 0, refused: 0, handshakes: 0 },
      totalRetries: 0,
      breaker: undefined,
    }));
    const intruders = new Set(world.services.filter((s) => s.kind === 'intruder').map((s) => s.id));
    for (const entry of this.links) {
      this.linkByCaller.set(`${entry.from}\n${entry.id}`, entry);
      // An intruder's link is no permission: its refusals are listed with their reasons.
      if (!intruders.has(entry.from)) this.linked.add(`${entry.from}\n${entry.to}`);
    }
    this.services = world.services.map((s) => ({ id: s.id, accepted: 0, totalAccepted: 0 }));
    for (const s of this.services) this.serviceById.set(s.id, s);
  }

  /** Adds a batch (already checked to come from a current process of this deployment) to the open window. */
  ingest(batch: TelemetryBatch): void {
    for (const call of batch.calls) {
      const entry = this.linkByCaller.get(`${batch.serviceId}\n${call.linkId}`);
      if (!entry || entry.to !== call.to) continue;
      const w = entry.window;
      w.requests += call.requests;
      w.errors += call.errors;
      w.refused += call.refused;
      w.latencySum += call.latencyMsSum;
      w.latencyMax = Math.max(w.latencyMax, call.latencyMsMax);
      entry.total.requests += call.requests;
      entry.total.errors += call.errors;
      entry.total.refused += call.refused;
      if (call.retries) {
        w.retries += call.retries;
        entry.totalRetries += call.retries;
      }
      if (call.breaker) entry.breaker = call.breaker;
      w.handshakes += call.handshakes ?? 0;
      w.answered += call.answered ?? 0;
      entry.total.handshakes += call.handshakes ?? 0;
    }
    const service = this.serviceById.get(batch.serviceId);
    if (service) {
      for (const inbound of batch.inbound) {
        service.accepted += inbound.accepted;
        service.totalAccepted += inbound.accepted;
      }
    }
    for (const refusal of batch.refusals) {
      // A refusal of a linked caller is already counted on its link, as that caller saw it.
      if (refusal.from !== null && this.linked.has(`${refusal.from}\n${batch.serviceId}`)) continue;
      const key = `${batch.serviceId}\n${refusal.from ?? ''}\n${refusal.from === null ? 0 : 1}\n${refusal.reason}`;
      const group = this.refusals.get(key);
      if (group) group.count += refusal.count;
      else if (this.refusals.size < MAX_REFUSAL_GROUPS)
        this.refusals.set(key, {
          to: batch.serviceId,
          from: refusal.from,
          reason: refusal.reason,
          count: refusal.count,
        });
    }
  }

  /** Closes the window at `at` and describes it; `stateOf` gives each service's current state. */
  frame(at: number, stateOf: (serviceId: string) => ServiceState): TrafficFrame {
    const links: LinkTraffic[] = this.links.map((entry) => {
      const w = entry.window;
      const traffic: LinkTraffic = {
        id: entry.id,
        from: entry.from,
        to: entry.to,
        requests: w.requests,
        errors: w.errors,
        refused: w.refused,
        latencyMsAvg: w.requests > 0 ? round(w.latencySum / w.requests) : 0,
        latencyMsMax: round(w.latencyMax),
        handshakes: w.handshakes,
        answered: w.answered,
        total: { ...entry.total },
      };
      if (entry.totalRetries > 0) {
        traffic.retries = w.retries;
        traffic.totalRetries = entry.totalRetries;
      }
      if (entry.breaker) traffic.breaker = entry.breaker;
      entry.window = emptyWindow();
      return traffic;
    });
    const services = this.services.map((s) => {
      const traffic = { id: s.id, state: stateOf(s.id), accepted: s.accepted, totalAccepted: s.totalAccepted };
      s.accepted = 0;
      return traffic;
    });
    const refusals = [...this.refusals.values()].filter((r) => r.count > 0);
    this.refusals = new Map();
    const windowMs = Math.max(0, at - this.windowStart);
    this.windowStart = at;
    return { worldId: this.worldId, rev: this.rev, at, windowMs, links, refusals, services };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
