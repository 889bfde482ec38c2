// Counters of one process: the current telemetry window, and totals since start with its memory (for /_dw/stats).
// Every map is keyed by something bounded: links by this process's peers, inbound by allowed callers, refusals
// by (caller, reason) with a cap beyond which callers are lumped under null.
import {
  type BreakerState,
  type CallStats,
  type InboundStats,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  type Peer,
  type RefusalReason,
  type RefusalStats,
  type ServiceStats,
} from '@dw/world';

export type CallOutcome = 'ok' | 'error' | 'refused';

const MAX_REFUSAL_KEYS = 256;

export interface Window {
  calls: CallStats[];
  inbound: InboundStats[];
  refusals: RefusalStats[];
}

export class Stats {
  readonly startedAt = Date.now();
  private calls = new Map<string, CallStats>();
  private inbound = new Map<string, InboundStats>();
  private refusals = new Map<string, RefusalStats>();
  private totalAccepted = new Map<string, number>();
  private totalRefused = 0;
  private totalErrors = 0;

  constructor(
    private readonly serviceId: string,
    private readonly peers: readonly Peer[],
    /** False when telemetry is off: nothing is counted. */
    private readonly enabled = true,
  ) {}

  /** One outbound call over a link completed (or was given up on), with its latency. */
  call(
    peer: Peer,
    outcome: CallOutcome,
    latencyMs: number,
    answered = false,
    extra: { retries?: number; breaker?: BreakerState | undefined } = {},
  ): void {
    if (!this.enabled) return;
    const s = this.callsOf(peer);
    s.requests++;
    if (answered) s.answered = (s.answered ?? 0) + 1;
    const buckets = s.latencyBuckets as number[];
    const b = latencyBucket(latencyMs);
    buckets[b] = (buckets[b] ?? 0) + 1;
    if (outcome === 'error') s.errors++;
    else if (outcome === 'refused') s.refused++;
    s.latencyMsSum += latencyMs;
    if (latencyMs > s.latencyMsMax) s.latencyMsMax = latencyMs;
    if (s.latencyMsMin === undefined || latencyMs < s.latencyMsMin) s.latencyMsMin = Math.max(0, latencyMs);
    if (extra.retries) s.retries = (s.retries ?? 0) + extra.retries;
    if (extra.breaker) s.breaker = extra.breaker;
  }

  /** A new TLS connection to a peer completed its handshake (the caller's pool opened it). */
  handshake(peer: Peer): void {
    if (!this.enabled) return;
    const s = this.callsOf(peer);
    s.handshakes = (s.handshakes ?? 0) + 1;
  }

  /** A request from a linked caller passed the checks and will be answered. */
  accepted(from: string): void {
    if (!this.enabled) return;
    this.inboundOf(from).accepted++;
    this.totalAccepted.set(from, (this.totalAccepted.get(from) ?? 0) + 1);
  }

  /** An accepted request was answered with an error status. */
  inboundError(from: string): void {
    if (!this.enabled) return;
    this.inboundOf(from).errors++;
    this.totalErrors++;
  }

  refused(from: string | null, reason: RefusalReason): void {
    if (!this.enabled) return;
    let key = `${reason}\n${from ?? ''}`;
    let s = this.refusals.get(key);
    if (!s && this.refusals.size >= MAX_REFUSAL_KEYS) {
      key = `${reason}\n`;
      s = this.refusals.get(key);
      from = null;
    }
    if (!s) {
      s = { from, reason, count: 0 };
      this.refusals.set(key, s);
    }
    s.count++;
    this.totalRefused++;
  }

  /** True when the window holds anything worth a batch. */
  get dirty(): boolean {
    return this.calls.size > 0 || this.inbound.size > 0 || this.refusals.size > 0;
  }

  /** Hands over the current window and starts a new one. Links keep the order of the peers. */
  drain(): Window {
    const calls = this.peers.flatMap((p) => {
      const s = this.calls.get(p.linkId);
      return s ? [s] : [];
    });
    const window = { calls, inbound: [...this.inbound.values()], refusals: [...this.refusals.values()] };
    this.calls = new Map();
    this.inbound = new Map();
    this.refusals = new Map();
    return window;
  }

  totals(pid: number, memory: NodeJS.MemoryUsage = process.memoryUsage()): ServiceStats {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = memory;
    return {
      serviceId: this.serviceId,
      pid,
      startedAt: this.startedAt,
      accepted: Object.fromEntries(this.totalAccepted),
      refused: this.totalRefused,
      errors: this.totalErrors,
      memory: { rss, heapTotal, heapUsed, external, arrayBuffers },
    };
  }

  private callsOf(peer: Peer): CallStats {
    let s = this.calls.get(peer.linkId);
    if (!s) {
      s = {
        linkId: peer.linkId,
        to: peer.id,
        requests: 0,
        errors: 0,
        refused: 0,
        latencyMsSum: 0,
        latencyMsMax: 0,
        handshakes: 0,
        answered: 0,
        latencyBuckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      this.calls.set(peer.linkId, s);
    }
    return s;
  }

  private inboundOf(from: string): InboundStats {
    let s = this.inbound.get(from);
    if (!s) {
      s = { from, accepted: 0, errors: 0 };
      this.inbound.set(from, s);
    }
    return s;
  }
}
