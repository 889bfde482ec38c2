// How one call over a link is made: a circuit breaker in front, then attempts with a per-attempt timeout and
// retries with exponential backoff. Only failures retry (an error status, a timeout, no connection): a refusal
// is the callee's policy and asking again will not change it.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BreakerConfig,
  type BreakerState,
  type ClientCallPolicy,
  DEFAULT_BACKOFF_MS,
  DEFAULT_CALL_TIMEOUT_MS,
  retryDelayMs,
} from '@dw/world';
import type { CallOutcome } from './stats.js';

/** Opens after `failures` failed calls in a row; while open, calls fail at once; after `openMs` one trial call
 * goes through (half-open): its success closes the breaker, its failure opens it again. */
export class Breaker {
  private state: BreakerState = 'closed';
  private failuresInARow = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): BreakerState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.config.openMs) return 'half-open';
    return this.state;
  }

  /** True when a call may go out now; a false means fail it at once. */
  admit(): boolean {
    const state = this.current;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.state = 'half-open';
    this.trialInFlight = true;
    return true;
  }

  record(outcome: CallOutcome): void {
    const trial = this.trialInFlight;
    this.trialInFlight = false;
    if (outcome === 'error') {
      this.failuresInARow++;
      if (trial || this.failuresInARow >= this.config.failures) {
        this.state = 'open';
        this.openedAt = this.now();
      }
    } else {
      this.failuresInARow = 0;
      this.state = 'closed';
    }
  }
}

export interface AttemptResult {
  outcome: CallOutcome;
}

export interface PolicyResult {
  outcome: CallOutcome;
  /** Attempts after the first. */
  retries: number;
  /** True when the breaker failed the call without sending it. */
  shortCircuited: boolean;
}

/** The policy of one link: breaker state lives here, one per link per process. */
export class LinkPolicy {
  readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  readonly breaker: Breaker | undefined;

  constructor(policy: ClientCallPolicy | undefined) {
    this.timeoutMs = policy?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.retries = policy?.retries ?? 0;
    this.backoffMs = policy?.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.breaker = policy?.breaker ? new Breaker(policy.breaker) : undefined;
  }

  /** True when a call is one attempt and nothing more (no retries, no breaker): the caller can skip `run`. */
  get single(): boolean {
    return this.retries === 0 && this.breaker === undefined;
  }

  /** Makes the call: `attempt` sends once and must give up by `timeoutMs`. */
  async run(attempt: (timeoutMs: number) => Promise<CallOutcome>): Promise<PolicyResult> {
    let retries = 0;
    for (;;) {
      if (this.breaker && !this.breaker.admit()) return { outcome: 'error', retries, shortCircuited: true };
      const outcome = await attempt(this.timeoutMs);
      this.breaker?.record(outcome);
      if (outcome !== 'error' || retries >= this.retries) return { outcome, retries, shortCircuited: false };
      retries++;
      const wait = retryDelayMs(this.backoffMs, retries);
      if (wait > 0) await sleep(wait);
    }
  }
}
