// Request traces: W3C Trace Context (`traceparent`) carried by every request, the spans services record for
// sampled requests, and the fixed latency buckets every histogram uses. Pure: no Node APIs.
import Type, { type Static } from 'typebox';
import { LinkId, ServiceId } from './world.js';

const strict = { additionalProperties: false } as const;

export const TRACEPARENT_HEADER = 'traceparent';

/** Each decade of the latency buckets is cut at these multiples: buckets 10-25% wide. */
const DECADE_STEPS = [1, 1.1, 1.2, 1.3, 1.5, 1.7, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9];

/**
 * Upper bounds (ms, inclusive) of the latency buckets, 0.5 ms to 10 s; one more bucket counts everything slower.
 * Fine enough that a quantile read from a histogram is within about 10% of the calls' own (100, 110, 120, 130 ms
 * are bounds), which is what a threshold such as "p99 < 130ms" needs.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  0.5,
  ...[1, 10, 100, 1000].flatMap((decade) => DECADE_STEPS.map((step) => Math.round(step * decade * 10) / 10)),
  10_000,
];

export const TraceId = Type.String({ pattern: '^[0-9a-f]{32}$' });
export const SpanId = Type.String({ pattern: '^[0-9a-f]{16}$' });

export interface TraceContext {
  traceId: string;
  /** The span of the caller: the parent of the span the receiver starts. */
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a version-00 traceparent; null when missing or malformed (all-zero ids are invalid). */
export function parseTraceparent(value: string | string[] | undefined): TraceContext | null {
  const raw = Array.isArray(value) ? value[0] : value;
  const m = raw === undefined ? null : TRACEPARENT.exec(raw.trim());
  if (!m) return null;
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}

/**
 * One timed operation of a sampled request: a service handling it (`server`), calling a peer (`client`), or
 * something inside one process that the request waited for (`internal`, named: a message waiting in a queue).
 */
export const Span = Type.Object(
  {
    traceId: TraceId,
    spanId: SpanId,
    parentId: Type.Union([SpanId, Type.Null()]),
    kind: Type.Union([Type.Literal('server'), Type.Literal('client'), Type.Literal('internal')]),
    /** An internal span's name, for people ("waited in the queue"). */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** The service that recorded the span. */
    service: ServiceId,
    /** For a client span: the link and the callee. */
    linkId: Type.Optional(LinkId),
    to: Type.Optional(ServiceId),
    /** Epoch ms (fractional) when it started, and how long it took. */
    start: Type.Number(),
    durationMs: Type.Number({ minimum: 0 }),
    /** The HTTP status answered (server) or received (client); 0 when no answer came. */
    status: Type.Integer({ minimum: 0 }),
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('refused')]),
  },
  strict,
);
export type Span = Static<typeof Span>;

/** Spans one batch may carry; a service drops (and counts) the rest of the window's. */
export const MAX_SPANS_PER_BATCH = 256;

/** GET /api/worlds/:id/traces/:traceId -- the spans the controller kept, ordered by start. */
export const Trace = Type.Object({ traceId: TraceId, spans: Type.Array(Span) }, strict);
export type Trace = Static<typeof Trace>;

export const TraceSummary = Type.Object(
  {
    traceId: TraceId,
    /** Epoch ms of its earliest span, and from there to the end of its latest. */
    start: Type.Number(),
    durationMs: Type.Number(),
    /** The service that started it (the earliest span's), the services it touched, spans not ok. */
    root: Type.String(),
    services: Type.Integer({ minimum: 0 }),
    spans: Type.Integer({ minimum: 0 }),
    errors: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type TraceSummary = Static<typeof TraceSummary>;

/** GET /api/worlds/:id/traces -- the most recent sampled traces kept, newest first. */
export const TraceList = Type.Object({ traces: Type.Array(TraceSummary) }, strict);
export type TraceList = Static<typeof TraceList>;

/** The bucket index a latency falls in (the last index counts everything above the last bound). */
export function latencyBucket(ms: number): number {
  // the first bound >= ms, by halving (every call is counted: a scan of 66 bounds was a visible cost per call)
  let lo = 0;
  let hi = LATENCY_BUCKETS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= (LATENCY_BUCKETS_MS[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** An empty latency histogram: one count per bucket of `LATENCY_BUCKETS_MS`, plus one for slower calls. */
export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/** Adds the counts of `from` into `into` (same buckets); a shorter `from` counts as zeros where it ends. */
export function addHistogram(into: number[], from: readonly number[]): void {
  for (let i = 0; i < into.length; i++) into[i] = (into[i] as number) + (from[i] ?? 0);
}

/**
 * The q-quantile (0..1) of a bucket histogram, interpolated linearly inside its bucket; 0 when empty. The
 * bucket above the last bound is reported as that bound's double. Exact to within one bucket's width. When the
 * slowest and fastest calls' latencies (`maxMs`, `minMs`) are known, every bucket is cut to [minMs, maxMs]: a
 * quantile is never above the slowest call nor below the fastest. Calls of 100-104 ms, all in the 100-110 ms
 * bucket, then give a p99 near 104 ms, not near 110 ms; calls all of 122.8 ms give 122.8 ms for every quantile
 * (and for the mean), not 121.4 ms for the median. figures.ts reads every quantile people see through this.
 */
export function histogramQuantile(buckets: readonly number[], q: number, maxMs?: number, minMs?: number): number {
  let total = 0;
  for (const n of buckets) total += n;
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i] as number;
    if (n > 0 && seen + n >= rank) {
      let lower = i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] as number);
      let upper: number = LATENCY_BUCKETS_MS[i] ?? lower * 2;
      if (maxMs !== undefined && maxMs < upper) upper = Math.max(maxMs, 0);
      if (minMs !== undefined && minMs > lower) lower = Math.min(minMs, upper);
      if (lower > upper) lower = upper;
      return lower + (upper - lower) * Math.min(1, Math.max(0, rank - seen) / n);
    }
    seen += n;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] as number;
}
