// Turns the telemetry batches of one deployment into traffic frames. Batches are merged into the window in
// which they ARRIVE; frame() closes the window. A frame lists every link and every service of the world
// (zeros included), so its size depends on the size of the world, not on the message rate. The figures people
// read (rates, failed shares, latency quantiles and mean: @dw/world figures.ts) are computed here, once, over the
// last FIGURE_WINDOW_MS of windows, and carried by the frame; nobody downstream computes them again.
import {
  addCalls,
  addHistogram,
  addTally,
  type BreakerState,
  type CallTally,
  callFigures,
  emptyHistogram,
  emptyTally,
  FIGURE_WINDOW_MS,
  type Gauge,
  kindOf,
  type LinkTraffic,
  MAX_REPLICAS,
  MAX_SAMPLES_PER_FRAME,
  MAX_SAMPLES_PER_LINK,
  type MessageSample,
  perSecond,
  type Refusal,
  replicasOf,
  type ServiceState,
  type ServiceTraffic,
  type TelemetryBatch,
  type TrafficFrame,
  type World,
} from '@dw/world';

/** Distinct (to, from, reason) refusal groups kept per window; more are counted into the ones already there. */
export const MAX_REFUSAL_GROUPS = 256;

interface LinkWindow {
  /** The window's calls (their histogram is made at the first one: most links of a large world are idle). */
  calls: CallTally;
  retries: number;
  handshakes: number;
  samples: MessageSample[];
}

/** Totals since deploy, for /metrics: counts, the cumulative latency histogram and its sum. */
export interface LinkTotals {
  requests: number;
  errors: number;
  refused: number;
  handshakes: number;
  latencyMsSum: number;
  buckets: number[];
}

interface LinkEntry {
  id: string;
  from: string;
  to: string;
  window: LinkWindow;
  /** The calls of the closed windows the figures cover (null: none), oldest first; as many as `spans`. */
  recent: (CallTally | null)[];
  total: LinkTotals;
  totalRetries: number;
  breaker: BreakerState | undefined;
}

const emptyWindow = (): LinkWindow => ({ calls: emptyTally(), retries: 0, handshakes: 0, samples: [] });

interface ServiceEntry {
  id: string;
  accepted: number;
  totalAccepted: number;
  /** What it accepted in the closed windows the figures cover, oldest first (and per copy). */
  recent: { accepted: number; replicas: number[] | null }[];
  /** Per copy, when the service runs more than once (index replica - 1). */
  replicas?: { accepted: number; totalAccepted: number }[];
  /** The latest gauges each copy reported (index replica - 1): levels, kept from frame to frame. */
  gauges?: Gauge[][];
}

/** The gauges of every copy as one list: summed by name, in the order the first copy reported them. */
function sumGauges(copies: Gauge[][]): Gauge[] {
  const sums = new Map<string, number>();
  for (const gauges of copies) for (const g of gauges ?? []) sums.set(g.name, (sums.get(g.name) ?? 0) + g.value);
  return [...sums].map(([name, value]) => ({ name, value: Math.round(value * 1000) / 1000 }));
}

export class TrafficAggregator {
  private readonly links: LinkEntry[];
  /** `${from}\n${linkId}` -> entry: a caller reports per link id, and only its own links count. */
  private readonly linkByCaller = new Map<string, LinkEntry>();
  private readonly linked = new Set<string>();
  private readonly services: ServiceEntry[];
  private readonly serviceById = new Map<string, ServiceEntry>();
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
      recent: [],
      total: { requests: 0, errors: 0, refused: 0, handshakes: 0, latencyMsSum: 0, buckets: emptyHistogram() },
      totalRetries: 0,
      breaker: undefined,
    }));
    const kinds = new Map(world.services.map((s) => [s.id, kindOf(s)]));
    for (const entry of this.links) {
      this.linkByCaller.set(`${entry.from}\n${entry.id}`, entry);
      // The links of a caller whose links are no permissions (an intruder): its refusals are listed with reasons.
      if (kinds.get(entry.from)?.facts.linksGrant) this.linked.add(`${entry.from}\n${entry.to}`);
    }
    this.services = world.services.map((s) => {
      const copies = replicasOf(s);
      const entry: ServiceEntry = { id: s.id, accepted: 0, totalAccepted: 0, recent: [] };
      if (copies > 1) entry.replicas = Array.from({ length: copies }, () => ({ accepted: 0, totalAccepted: 0 }));
      return entry;
    });
    for (const s of this.services) this.serviceById.set(s.id, s);
  }

  /**
   * Carries the totals of `previous` (the same deployment before an in-place redeploy) over: a link that calls
   * the same callee keeps its totals, a service its accepted count (per copy, for the copies it keeps). Totals
   * belong to the deployment, so a redeploy that keeps processes running, or only changes some, resets nothing;
   * a link or a service that is new starts at zero. The open window and the recent figures start afresh.
   */
  carryTotalsFrom(previous: TrafficAggregator): void {
    for (const entry of this.links) {
      const before = previous.linkByCaller.get(`${entry.from}\n${entry.id}`);
      if (!before || before.to !== entry.to) continue;
      entry.total = { ...before.total, buckets: [...before.total.buckets] };
      entry.totalRetries = before.totalRetries;
      entry.breaker = before.breaker;
    }
    for (const entry of this.services) {
      const before = previous.serviceById.get(entry.id);
      if (!before) continue;
      entry.totalAccepted = before.totalAccepted;
      if (entry.replicas) {
        entry.replicas.forEach((copy, i) => {
          copy.totalAccepted =
            before.replicas?.[i]?.totalAccepted ?? (i === 0 && !before.replicas ? before.totalAccepted : 0);
        });
        entry.totalAccepted = entry.replicas.reduce((n, copy) => n + copy.totalAccepted, 0);
      }
    }
  }

  /** Adds a batch (already checked to come from a current process of this deployment) to the open window. */
  ingest(batch: TelemetryBatch): void {
    for (const call of batch.calls) {
      const entry = this.linkByCaller.get(`${batch.serviceId}\n${call.linkId}`);
      if (!entry || entry.to !== call.to) continue;
      const w = entry.window;
      addCalls(w.calls, call);
      entry.total.requests += call.requests;
      entry.total.errors += call.errors;
      entry.total.refused += call.refused;
      if (call.retries) {
        w.retries += call.retries;
        entry.totalRetries += call.retries;
      }
      if (call.breaker) entry.breaker = call.breaker;
      entry.total.latencyMsSum += call.latencyMsSum;
      const handshakes = call.handshakes ?? 0;
      w.handshakes += handshakes;
      entry.total.handshakes += handshakes;
      if (call.latencyBuckets) addHistogram(entry.total.buckets, call.latencyBuckets);
    }
    for (const span of batch.spans ?? []) {
      if (span.kind !== 'client' || span.linkId === undefined || span.service !== batch.serviceId) continue;
      const entry = this.linkByCaller.get(`${batch.serviceId}\n${span.linkId}`);
      if (!entry || entry.to !== span.to || entry.window.samples.length >= MAX_SAMPLES_PER_LINK) continue;
      entry.window.samples.push({
        linkId: entry.id,
        traceId: span.traceId,
        outcome: span.outcome,
        latencyMs: round(span.durationMs),
      });
    }
    const service = this.serviceById.get(batch.serviceId);
    const copyIndex = (batch.replica ?? 1) - 1;
    if (service && batch.gauges && copyIndex < MAX_REPLICAS) {
      service.gauges ??= [];
      service.gauges[copyIndex] = batch.gauges;
    }
    if (service) {
      const copy = service.replicas?.[(batch.replica ?? 1) - 1];
      for (const inbound of batch.inbound) {
        service.accepted += inbound.accepted;
        service.totalAccepted += inbound.accepted;
        if (copy) {
          copy.accepted += inbound.accepted;
          copy.totalAccepted += inbound.accepted;
        }
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

  /** Each link's totals since deploy (read-only views), for /metrics. */
  linkTotals(): { id: string; from: string; to: string; total: Readonly<LinkTotals> }[] {
    return this.links.map(({ id, from, to, total }) => ({ id, from, to, total }));
  }

  /** Lengths of the closed windows the figures cover, oldest first: the last ones that make FIGURE_WINDOW_MS. */
  private spans: number[] = [];

  /** Closes the window at `at` and describes it; `stateOf` gives each service's current state. */
  frame(at: number, stateOf: (serviceId: string) => ServiceState): TrafficFrame {
    const windowMs = Math.max(0, at - this.windowStart);
    // The figures cover this window and as many before it as make FIGURE_WINDOW_MS.
    this.spans.push(windowMs);
    let drop = 0;
    let covered = this.spans.reduce((a, b) => a + b, 0);
    while (drop < this.spans.length - 1 && covered - (this.spans[drop] as number) >= FIGURE_WINDOW_MS) {
      covered -= this.spans[drop] as number;
      drop++;
    }
    this.spans.splice(0, drop);
    const outOf = new Map<string, CallTally>();
    const samples: MessageSample[] = [];
    const links: LinkTraffic[] = this.links.map((entry) => {
      const w = entry.window;
      const calls = w.calls;
      for (const sample of w.samples) if (samples.length < MAX_SAMPLES_PER_FRAME) samples.push(sample);
      entry.recent.push(calls.requests > 0 ? calls : null);
      entry.recent.splice(0, drop);
      const span = emptyTally();
      for (const recent of entry.recent) if (recent) addTally(span, recent);
      span.spanMs = covered;
      const out = outOf.get(entry.from) ?? { ...emptyTally(), spanMs: covered };
      addTally(out, { ...span, spanMs: 0 });
      outOf.set(entry.from, out);
      const traffic: LinkTraffic = {
        id: entry.id,
        from: entry.from,
        to: entry.to,
        requests: calls.requests,
        errors: calls.errors,
        refused: calls.refused,
        latencyMsAvg: calls.requests > 0 ? round(calls.latencyMsSum / calls.requests) : 0,
        latencyMsMax: round(calls.latencyMsMax),
        total: {
          requests: entry.total.requests,
          errors: entry.total.errors,
          refused: entry.total.refused,
          handshakes: entry.total.handshakes,
        },
        handshakes: w.handshakes,
        answered: calls.answered,
      };
      if (calls.requests > 0) traffic.latencyMsMin = round(calls.latencyMsMin);
      if (span.requests > 0) traffic.figures = callFigures(span);
      if (entry.totalRetries > 0) {
        traffic.retries = w.retries;
        traffic.totalRetries = entry.totalRetries;
      }
      if (entry.breaker) traffic.breaker = entry.breaker;
      if (calls.buckets) traffic.latencyBuckets = calls.buckets;
      entry.window = emptyWindow();
      return traffic;
    });
    const services = this.services.map((s) => {
      s.recent.push({ accepted: s.accepted, replicas: s.replicas?.map((r) => r.accepted) ?? null });
      s.recent.splice(0, drop);
      const traffic: ServiceTraffic = {
        id: s.id,
        state: stateOf(s.id),
        accepted: s.accepted,
        totalAccepted: s.totalAccepted,
      };
      const accepted = s.recent.reduce((n, r) => n + r.accepted, 0);
      const out = outOf.get(s.id);
      if (accepted > 0 || (out && out.requests > 0)) {
        traffic.figures = {
          spanMs: round(covered),
          inPerSec: perSecond(accepted, covered),
          out: callFigures(out ?? { ...emptyTally(), spanMs: covered }),
        };
      }
      if (s.replicas) {
        traffic.replicas = s.replicas.map((r, i) => ({
          replica: i + 1,
          accepted: r.accepted,
          totalAccepted: r.totalAccepted,
          inPerSec: perSecond(
            s.recent.reduce((n, recent) => n + (recent.replicas?.[i] ?? 0), 0),
            covered,
          ),
        }));
        for (const r of s.replicas) r.accepted = 0;
      }
      if (s.gauges) traffic.gauges = sumGauges(s.gauges);
      s.accepted = 0;
      return traffic;
    });
    const refusals = [...this.refusals.values()].filter((r) => r.count > 0);
    this.refusals = new Map();
    this.windowStart = at;
    return { worldId: this.worldId, rev: this.rev, at, windowMs, links, refusals, services, samples };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
