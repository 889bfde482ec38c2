// "Find the limit": the controller steps a client's rate up until its calls fail too often or get too slow,
// and reports the rate reached. Bounded in steps and time; the client's own rate comes back at the end.
import Type, { type Static } from 'typebox';
import { ServiceId } from './ids.js';

const strict = { additionalProperties: false } as const;

export const MAX_LIMIT_STEPS = 20;

export const FindLimitRequest = Type.Object(
  {
    clientId: ServiceId,
    /** The first rate tried, and how much each step adds (req/s per link). */
    fromRps: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
    stepRps: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
    maxRps: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
    /** How long each rate is held and measured. */
    stepS: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT_STEPS })),
    /** A step fails when more than this share of its calls fail, or its p99 goes over maxP99Ms. */
    maxErrorPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    maxP99Ms: Type.Optional(Type.Number({ minimum: 1, maximum: 60_000 })),
  },
  strict,
);
export type FindLimitRequest = Static<typeof FindLimitRequest>;

export const LimitStep = Type.Object(
  {
    rps: Type.Number(),
    requests: Type.Integer(),
    /** Requests completed per second, over the step. */
    achievedRps: Type.Number(),
    errorPercent: Type.Number(),
    /** Of all the step's calls: from the frames' latency histograms added up over the step. */
    p99Ms: Type.Number(),
    held: Type.Boolean(),
  },
  strict,
);
export type LimitStep = Static<typeof LimitStep>;

export const FindLimitResult = Type.Object(
  {
    clientId: Type.String(),
    /** The highest rate that held; null when even the first did not. */
    limitRps: Type.Union([Type.Number(), Type.Null()]),
    /** The rate at which it broke; null when it never did (maxRps or maxSteps reached). */
    brokeAtRps: Type.Union([Type.Number(), Type.Null()]),
    /** Why it stopped, for people. */
    reason: Type.String(),
    steps: Type.Array(LimitStep),
  },
  strict,
);
export type FindLimitResult = Static<typeof FindLimitResult>;
