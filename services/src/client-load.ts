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

class LinkLoad {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private inFlight = 0;
  private readonly periodMs: number;
  private readonly sample: () => boolean;

  constructor(
    private readonly peer: Peer,
    rps: number,
    private readonly hops: number,
    private readonly body: Buffer,
    private readonly caller: Caller,
    private readonly stats: Stats,
    tracer: Tracer,
  ) {
    this.periodMs = rps > 0 ? 1000 / rps : Number.POSITIVE_INFINITY;
    this.sample = tracer.sampler();
  }

  start(): void {
    if (!Number.isFinite(this.periodMs)) return;
    // a random phase, so links (and clients) do not fire in lockstep
    this.next = performance.now() + Math.random() * Math.min(this.periodMs, 1000);
    this.schedule();
  }

  stop(): void {
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
    for (let fired = 0; this.next <= now && fired < MAX_CATCH_UP; fired++) {
      this.fire();
      this.next += this.periodMs;
    }
    if (this.next <= now) this.next = now + this.periodMs;
    if (this.timer !== undefined) this.schedule();
  };

  private fire(): void {
    if (this.inFlight >= MAX_IN_FLIGHT_PER_LINK) {
      this.stats.call(this.peer, 'error', 0);
      return;
    }
    this.inFlight++;
    void this.caller.call(this.peer, this.hops, this.body, rootContext(this.sample())).finally(() => {
      this.inFlight--;
    });
  }
}

export class ClientLoad {
  private readonly links: LinkLoad[];

  constructor(opts: {
    peers: readonly Peer[];
    rps: number;
    payloadBytes: number;
    hopBudget: number;
    caller: Caller;
    stats: Stats;
    tracer: Tracer;
  }) {
    const body = Buffer.alloc(opts.payloadBytes, 'x');
    this.links = opts.peers.map(
      (p) => new LinkLoad(p, opts.rps, opts.hopBudget, body, opts.caller, opts.stats, opts.tracer),
    );
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
