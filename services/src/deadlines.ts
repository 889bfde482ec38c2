// Per-call deadlines without a timer per call. `AbortSignal.timeout()` for every outbound call cost a middle hop
// about a third of its throughput (3-hop chain benchmark, same machine and minute: 3,641-5,242 requests a second
// without it against 1,091-1,927 with it), mostly in timers and garbage collection. Here one sweep every
// DEADLINE_TICK_MS aborts the calls past their deadline, and runs only while calls are in flight.
import { performance } from 'node:perf_hooks';

/** How late past its deadline a call may be aborted, at most. */
export const DEADLINE_TICK_MS = 20;

export class DeadlineExceededError extends Error {
  readonly code = 'ERR_DW_DEADLINE';
  constructor(ms: number) {
    super(`the call did not finish within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

type Listener = () => void;

/**
 * One call's deadline, shaped like an EventEmitter abort signal (`once` / `removeListener` of 'abort'): it aborts
 * when its deadline has passed and the owning `Deadlines` sweeps. (A leaner shape, one callback per deadline,
 * measured slower on the chain benchmark: mesh/reference 0.83 twice against 0.86, p99 4.5 ms against 3.0.)
 */
export class DeadlineSignal {
  aborted = false;
  reason: Error | undefined;
  private listeners: Listener[] = [];

  constructor(
    readonly deadline: number,
    readonly ms: number,
  ) {}

  once(_event: 'abort', listener: Listener): this {
    this.listeners.push(listener);
    return this;
  }

  removeListener(_event: 'abort', listener: Listener): this {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DeadlineExceededError(this.ms);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

export class Deadlines {
  private readonly live = new Set<DeadlineSignal>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A signal that aborts `ms` from now; hand it back with `end` when the call is over. */
  start(ms: number): DeadlineSignal {
    const signal = new DeadlineSignal(this.now() + ms, ms);
    this.live.add(signal);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), DEADLINE_TICK_MS);
      this.timer.unref();
    }
    return signal;
  }

  end(signal: DeadlineSignal): void {
    this.live.delete(signal);
  }

  /** Calls in flight with a deadline. */
  get size(): number {
    return this.live.size;
  }

  /** Aborts every call past its deadline; stops sweeping when none is left. */
  sweep(): void {
    const now = this.now();
    for (const signal of this.live) {
      if (signal.deadline > now) continue;
      this.live.delete(signal);
      signal.abort();
    }
    if (this.live.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.live.clear();
  }
}
