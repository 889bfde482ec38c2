// How a service calls its links, and what the supervisor does when a process exits. Optional, additive fields
// of the world file: a world without them behaves as before (parallel calls, 10 s timeout, no retries, no
// breaker, restart "no" as in compose).
import Type, { type Static } from 'typebox';

const strict = { additionalProperties: false } as const;

export const MAX_CALL_TIMEOUT_MS = 60_000;
export const MAX_RETRIES = 10;
export const MAX_LINK_WEIGHT = 1000;

/** The restart policy of a service, named as in compose (`restart:`). */
export const RestartPolicy = Type.Union([Type.Literal('no'), Type.Literal('on-failure'), Type.Literal('always')]);
export type RestartPolicy = Static<typeof RestartPolicy>;
export const RESTART_POLICIES: readonly RestartPolicy[] = ['no', 'on-failure', 'always'];
export const DEFAULT_RESTART_POLICY: RestartPolicy = 'no';

/** parallel: every link at once (the default); sequence: one after another, stopping at the first failure;
 * weighted: one link per request, chosen by the links' weights. */
export const CallMode = Type.Union([Type.Literal('parallel'), Type.Literal('sequence'), Type.Literal('weighted')]);
export type CallMode = Static<typeof CallMode>;
export const CALL_MODES: readonly CallMode[] = ['parallel', 'sequence', 'weighted'];

export const BreakerConfig = Type.Object(
  {
    /** Consecutive failed calls on a link that open its breaker. */
    failures: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** How long an open breaker fails calls at once before it lets one trial call through (half-open). */
    openMs: Type.Integer({ minimum: 50, maximum: 600_000 }),
  },
  strict,
);
export type BreakerConfig = Static<typeof BreakerConfig>;

const policyFields = {
  /** Per attempt: a callee that has not answered by then counts as an error. Default 10 s. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CALL_TIMEOUT_MS })),
  /** Attempts after the first when a call fails (an error status, a timeout, no connection; never a refusal). */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RETRIES })),
  /** Wait before retry n: backoffMs * 2^(n-1). Default 50 ms. */
  backoffMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  breaker: Type.Optional(BreakerConfig),
};

/** How a client calls each of its links (every link has its own schedule, so there is no mode). */
export const ClientCallPolicy = Type.Object(policyFields, strict);
export type ClientCallPolicy = Static<typeof ClientCallPolicy>;

/** How a service calls its links for each request it accepts. */
export const ServiceCallPolicy = Type.Object({ mode: Type.Optional(CallMode), ...policyFields }, strict);
export type ServiceCallPolicy = Static<typeof ServiceCallPolicy>;

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const DEFAULT_BACKOFF_MS = 50;

/** The wait before retry `n` (1-based): exponential, capped at 10 s. */
export function retryDelayMs(backoffMs: number, n: number): number {
  return Math.min(10_000, backoffMs * 2 ** (n - 1));
}
