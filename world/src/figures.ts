// The figures people read about traffic, each defined once. The controller's aggregator computes them into every
// traffic frame (over the last FIGURE_WINDOW_MS), the editor shows them as they come (labels, inspectors, charts),
// scenario assertions and "find the limit" judge runs by them, and /metrics names its counters from the same
// table. A figure is computed from a CallTally: counts that add up over links and over time.
import Type, { type Static } from 'typebox';
import { addHistogram, emptyHistogram, histogramQuantile } from './trace.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const NonNegative = Type.Number({ minimum: 0 });

/** Figures cover about this long: a rate is "calls per second over the last second". */
export const FIGURE_WINDOW_MS = 1000;

/**
 * Calls over a stretch of time, as their callers counted them: what every figure is computed from. Tallies add
 * up (addTally): over the windows of a second, the frames of a scenario run, the links of a caller.
 */
export interface CallTally {
  /** How long it covers, ms. */
  spanMs: number;
  /** Calls completed, failed and refused ones included. */
  requests: number;
  /** Of those, calls that failed (an error status, a timeout, no connection) ... */
  errors: number;
  /** ... and calls the callee refused (403, a refused handshake). */
  refused: number;
  /** Calls that got an HTTP answer over mutual TLS (any status). */
  answered: number;
  /** Sum of the calls' latencies, and the fastest and slowest, ms (min is Infinity while there are none). */
  latencyMsSum: number;
  latencyMsMin: number;
  latencyMsMax: number;
  /** Calls per LATENCY_BUCKETS_MS bucket; null when no call reported one (then quantiles fall back to max). */
  buckets: number[] | null;
}

export function emptyTally(): CallTally {
  return {
    spanMs: 0,
    requests: 0,
    errors: 0,
    refused: 0,
    answered: 0,
    latencyMsSum: 0,
    latencyMsMin: Number.POSITIVE_INFINITY,
    latencyMsMax: 0,
    buckets: null,
  };
}

/** The calls of one window, as a caller reports them (CallStats) or a frame carries them (LinkTraffic). */
export interface WindowCalls {
  requests: number;
  errors: number;
  refused: number;
  answered?: number | undefined;
  latencyMsSum?: number;
  /** When the sum is not given: the window's mean, times requests. */
  latencyMsAvg?: number;
  latencyMsMin?: number | undefined;
  latencyMsMax: number;
  latencyBuckets?: readonly number[] | undefined;
}

/** Adds one window's calls into `into` (spanMs is the caller's to add: windows of several links overlap). */
export function addCalls(into: CallTally, calls: WindowCalls): CallTally {
  if (calls.requests <= 0 && calls.errors <= 0 && calls.refused <= 0) return into;
  into.requests += calls.requests;
  into.errors += calls.errors;
  into.refused += calls.refused;
  into.answered += calls.answered ?? 0; // absent from senders that do not count answers
  into.latencyMsSum += calls.latencyMsSum ?? (calls.latencyMsAvg ?? 0) * calls.requests;
  if (calls.requests > 0) {
    into.latencyMsMax = Math.max(into.latencyMsMax, calls.latencyMsMax);
    // a sender that reports no minimum: the fastest call is not known, so no lower cut (0)
    into.latencyMsMin = Math.min(into.latencyMsMin, calls.latencyMsMin ?? 0);
  }
  if (calls.latencyBuckets?.some((n) => n > 0)) {
    into.buckets ??= emptyHistogram();
    addHistogram(into.buckets, calls.latencyBuckets);
  }
  return into;
}

/** Adds `from` into `into`, spans included. */
export function addTally(into: CallTally, from: CallTally): CallTally {
  into.spanMs += from.spanMs;
  into.requests += from.requests;
  into.errors += from.errors;
  into.refused += from.refused;
  into.answered += from.answered;
  into.latencyMsSum += from.latencyMsSum;
  into.latencyMsMin = Math.min(into.latencyMsMin, from.latencyMsMin);
  into.latencyMsMax = Math.max(into.latencyMsMax, from.latencyMsMax);
  if (from.buckets) {
    into.buckets ??= emptyHistogram();
    addHistogram(into.buckets, from.buckets);
  }
  return into;
}

/** Calls per second over the tally's span (0 when it covers no time). */
export function ratePerSec(t: CallTally): number {
  return t.spanMs > 0 ? (t.requests * 1000) / t.spanMs : 0;
}

/** The share (0..1) of calls that failed, that were refused, and both: of every call made. */
export function errorShare(t: CallTally): number {
  return t.requests > 0 ? Math.min(1, t.errors / t.requests) : 0;
}
export function refusedShare(t: CallTally): number {
  return t.requests > 0 ? Math.min(1, t.refused / t.requests) : 0;
}
export function failedShare(t: CallTally): number {
  return t.requests > 0 ? Math.min(1, (t.errors + t.refused) / t.requests) : 0;
}

/** The mean latency of the calls, exact (from their sum); 0 without calls. */
export function latencyMean(t: CallTally): number {
  return t.requests > 0 ? t.latencyMsSum / t.requests : 0;
}

/**
 * The q-quantile (0..1) of the calls' latency, from their merged histogram, interpolated inside its bucket and cut
 * to [fastest, slowest] call, so that fastest <= p50 <= p99 <= slowest, like the mean: calls all of one latency
 * give that latency for every quantile and for the mean. Without a histogram, the slowest call (an upper bound).
 */
export function latencyQuantile(t: CallTally, q: number): number {
  if (t.requests <= 0) return 0;
  const min = Number.isFinite(t.latencyMsMin) ? t.latencyMsMin : 0;
  if (!t.buckets) return t.latencyMsMax;
  return Math.min(t.latencyMsMax, Math.max(min, histogramQuantile(t.buckets, q, t.latencyMsMax, min)));
}

/** Figures are sent rounded to 1/100 (ms, calls per second) and shares to 1/10000. */
const round = (value: number) => Math.round(value * 100) / 100;
const roundShare = (value: number) => Math.round(value * 10_000) / 10_000;

/** The figures of calls over a stretch of time (a link's, or every call a service made), as frames carry them. */
export const CallFigures = Type.Object(
  {
    /** How long they cover, ms (about FIGURE_WINDOW_MS; less just after a deploy). */
    spanMs: NonNegative,
    /** Calls per second, failed and refused ones included. */
    ratePerSec: NonNegative,
    /** Shares (0..1) of the calls: failed, refused, and both. */
    errorShare: NonNegative,
    refusedShare: NonNegative,
    failedShare: NonNegative,
    /** Calls that got an HTTP answer over mutual TLS in the span. */
    answered: Count,
    /** Latency, ms: the exact mean, and quantiles from the merged histogram cut to [fastest, slowest]. */
    latencyMsMean: NonNegative,
    latencyMsP50: NonNegative,
    latencyMsP99: NonNegative,
    latencyMsMax: NonNegative,
  },
  strict,
);
export type CallFigures = Static<typeof CallFigures>;

/** Every figure of a tally, rounded as frames carry them. */
export function callFigures(t: CallTally): CallFigures {
  return {
    spanMs: round(t.spanMs),
    ratePerSec: round(ratePerSec(t)),
    errorShare: roundShare(errorShare(t)),
    refusedShare: roundShare(refusedShare(t)),
    failedShare: roundShare(failedShare(t)),
    answered: t.answered,
    latencyMsMean: round(latencyMean(t)),
    latencyMsP50: round(latencyQuantile(t, 0.5)),
    latencyMsP99: round(latencyQuantile(t, 0.99)),
    latencyMsMax: round(t.requests > 0 ? t.latencyMsMax : 0),
  };
}

/** A service's figures over the same span: what it accepted, and every call it made over its links. */
export const ServiceFigures = Type.Object(
  {
    spanMs: NonNegative,
    /** Requests it accepted per second. */
    inPerSec: NonNegative,
    /** The calls it made, over all its links together (one histogram: p99 is of all its calls). */
    out: CallFigures,
  },
  strict,
);
export type ServiceFigures = Static<typeof ServiceFigures>;

/** Per second over a span of `spanMs`, rounded as frames carry it. */
export function perSecond(count: number, spanMs: number): number {
  return spanMs > 0 ? round((count * 1000) / spanMs) : 0;
}

// ---- How people read them: one entry per figure, for labels, inspectors, charts and /metrics. ----

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "1,234" */
export const formatCount = (value: number) => integer.format(value);
/** "18.5/s" */
export const formatRate = (perSecond: number) => `${oneDecimal.format(perSecond)}/s`;
/** "2.5%" from a share (0..1). */
export const formatPercent = (share: number) => `${Math.round(share * 1000) / 10}%`;
/** "4.2 ms", "120 ms": one decimal below 10 ms. */
export const formatMs = (ms: number) => `${ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms)} ms`;

export interface FigureDefinition {
  /** As a label or a chart's legend says it. */
  label: string;
  /** One sentence: what it counts, over what. */
  means: string;
  format(value: number): string;
  /** The Prometheus counter /metrics exposes it as (per link, since deploy), when it is a count. */
  metric?: string;
}

export const FIGURES = {
  rate: {
    label: 'Rate',
    means: 'calls completed per second over the last second, failed and refused ones included',
    format: formatRate,
  },
  failed: {
    label: 'Failed',
    means: 'the share of the last second’s calls that failed or were refused',
    format: formatPercent,
  },
  p50: { label: 'p50', means: 'median latency of the last second’s calls', format: formatMs },
  p99: { label: 'p99', means: '99th percentile latency of the last second’s calls', format: formatMs },
  mean: { label: 'mean', means: 'mean latency of the last second’s calls', format: formatMs },
  requests: {
    label: 'Total',
    means: 'Calls completed over the link, as the caller saw them.',
    format: formatCount,
    metric: 'dw_link_requests_total',
  },
  errors: {
    label: 'err',
    means: 'Calls over the link that failed (error status, timeout, no connection).',
    format: formatCount,
    metric: 'dw_link_errors_total',
  },
  refused: {
    label: 'refused',
    means: 'Calls over the link the callee refused (403 or a refused handshake).',
    format: formatCount,
    metric: 'dw_link_refused_total',
  },
  handshakes: {
    label: 'handshakes',
    means: 'New TLS connections the caller opened over the link.',
    format: formatCount,
    metric: 'dw_link_handshakes_total',
  },
  latency: {
    label: 'Latency',
    means: 'Latency of calls over the link as the caller measured it, milliseconds.',
    format: formatMs,
    metric: 'dw_link_latency_ms',
  },
} as const satisfies Record<string, FigureDefinition>;

export type FigureName = keyof typeof FIGURES;
