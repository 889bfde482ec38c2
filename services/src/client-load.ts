// A client's traffic: per link, an open loop at `rps` on a steady schedule, independent of how fast answers come.
import { performance } from 'node:perf_hooks';
import type { Peer } from '@dw/world';
import type { Caller } from './caller.js';
import type { Stats } from './stats.js';
import { rootContext, type Tracer } from './tracing.js';

/** Requests in flight per link beyond which a tick counts as an error instead of queueing. */
export const MAX_IN_FLIGHT_PER_LINK = 256;
/** Ticks fired at once after the event loop stalled; older missed ticks are skipped, not burst. */
const MAX_CATCH_UP = 50;

/** The rate at `elapsedMs` after the start: `rps`, or on a ramp linearly towards `toRps`, then held. */
export function rateAt(rps: number, ramp: { toRps: number; overS: number } | undefined, elapsedMs: number): number {
  if (!ramp) return rps;
  const share = Math.min(1, Math.max(0, elapsedMs / (ramp.overS * 1000)));
  return rps + (ramp.toRps - rps) * share;
}

class LinkLoad {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private inFlight = 0;
  private periodMs: number;
  private startedAt = 0;
  private running = false;
  private readonly sample: () => boolean;

  constructor(
    private readonly peer: Peer,
    private rps: number,
    private ramp: { toRps: number; overS: number } | undefined,
    private readonly maxInFlight: number,
    private readonly hops: number,
    private readonly body: Buffer,
    private readonly caller: Caller,
    private readonly stats: Stats,
    tracer: Tracer,
  ) {
    this.periodMs = periodOf(rateAt(rps, ramp, 0));
    this.sample = tracer.sampler();
  }

  start(): void {
    this.running = true;
    this.startedAt = performance.now();
    if (!Number.isFinite(this.periodMs) && !this.ramp) return;
    // a random phase, so links (and clients) do not fire in lockstep
    this.next =
      performance.now() + Math.random() * Math.min(Number.isFinite(this.periodMs) ? this.periodMs : 1000, 1000);
    this.schedule();
  }

  /** A new rate from now on; any ramp ends. */
  setRate(rps: number): void {
    this.rps = rps;
    this.ramp = undefined;
    const wasIdle = !Number.isFinite(this.periodMs);
    this.periodMs = periodOf(rps);
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!Number.isFinite(this.periodMs)) return;
    const now = performance.now();
    if (wasIdle || this.next > now + this.periodMs) this.next = now + Math.random() * Math.min(this.periodMs, 1000);
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get pending(): number {
    return this.inFlight;
  }

  private schedule(): void {
    this.timer = setTimeout(this.tick, Math.max(0, this.next - performance.now()));
  }

  private readonly tick = () => {
    const now = performance.now();
    if (this.ramp) this.periodMs = periodOf(rateAt(this.rps, this.ramp, now - this.startedAt));
    if (!Number.isFinite(this.periodMs)) {
      // a ramp from 0: look again in a moment
      this.next = now + 100;
      if (this.timer !== undefined) this.schedule();
      return;
    }
    for (let fired = 0; this.next <= now && fired < MAX_CATCH_UP; fired++) {
      this.fire();
      this.next += this.periodMs;
    }
    if (this.next <= now) this.next = now + this.periodMs;
    if (this.timer !== undefined) this.schedule();
  };

  private fire(): void {
    if (this.inFlight >= this.maxInFlight) {
      this.stats.call(this.peer, 'error', 0);
      return;
    }
    this.inFlight++;
    void this.caller.call(this.peer, this.hops, this.body, rootContext(this.sample())).finally(() => {
      this.inFlight--;
    });
  }
}

function periodOf(rps: number): number {
  return rps > 0 ? 1000 / rps : Number.POSITIVE_INFINITY;
}

export class ClientLoad {
  private readonly links: LinkLoad[];

  constructor(opts: {
    peers: readonly Peer[];
    rps: number;
    ramp?: { toRps: number; overS: number } | undefined;
    /** Calls in flight per link at most (default MAX_IN_FLIGHT_PER_LINK). */
    concurrency?: number | undefined;
    payloadBytes: number;
    hopBudget: number;
    caller: Caller;
    stats: Stats;
    tracer: Tracer;
  }) {
    const body = Buffer.alloc(opts.payloadBytes, 'x');
    const maxInFlight = Math.min(opts.concurrency ?? MAX_IN_FLIGHT_PER_LINK, MAX_IN_FLIGHT_PER_LINK);
    this.links = opts.peers.map(
      (p) =>
        new LinkLoad(p, opts.rps, opts.ramp, maxInFlight, opts.hopBudget, body, opts.caller, opts.stats, opts.tracer),
    );
  }

  /** Sets every link's rate from now on (the controller's PUT /_dw/load); a ramp ends. */
  setRate(rps: number): void {
    for (const link of this.links) link.setRate(rps);
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  stop(): void {
    for (const link of this.links) link.stop();
  }

  /** Calls still waiting for an answer, over all links. */
  get pending(): number {
    return this.links.reduce((n, l) => n + l.pending, 0);
  }
}
