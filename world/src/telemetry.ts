// What a service process reports to the controller, in small batches (one POST per interval, never per request).
import Type, { type Static } from 'typebox';
import { LATENCY_BUCKETS_MS, MAX_SPANS_PER_BATCH, Span } from './trace.js';
import { LinkId, ServiceId } from './world.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });

/** Why a call was refused. Handshake reasons come from TLS; the rest from the callee's policy. */
export const RefusalReason = Type.Union([
  Type.Literal('no-certificate'),
  Type.Literal('unknown-ca'),
  Type.Literal('expired'),
  Type.Literal('bad-certificate'),
  Type.Literal('name-mismatch'),
  Type.Literal('not-linked'),
  Type.Literal('hop-budget'),
  /** A gateway was asked for a path no link of its leads to. */
  Type.Literal('no-route'),
]);
export type RefusalReason = Static<typeof RefusalReason>;

export const BreakerState = Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]);
export type BreakerState = Static<typeof BreakerState>;

/** Outbound calls over one link that completed in the window, as the caller saw them. */
export const CallStats = Type.Object(
  {
    linkId: LinkId,
    to: ServiceId,
    requests: Count,
    /** Failed calls: an error status, a timeout, a connection that could not be made. */
    errors: Count,
    /** Calls the callee refused (403 or a refused handshake). */
    refused: Count,
    latencyMsSum: Type.Number({ minimum: 0 }),
    latencyMsMax: Type.Number({ minimum: 0 }),
    /** The fastest call of the window (absent from senders that do not report it): quantiles never go below it. */
    latencyMsMin: Type.Optional(Type.Number({ minimum: 0 })),
    /** Extra attempts made by the call policy's retries (each one really sent). */
    retries: Type.Optional(Count),
    /** The link's circuit breaker at the end of the window, when it has one. */
    breaker: Type.Optional(BreakerState),
    /** Calls per latency bucket (`LATENCY_BUCKETS_MS`, plus one for slower); sums to `requests`. */
    latencyBuckets: Type.Optional(Type.Array(Count, { maxItems: LATENCY_BUCKETS_MS.length + 1 })),
    /**
     * New TLS connections (full mutual handshakes) the caller opened over this link in the window; the other
     * requests went over connections already open. Absent from senders that do not count them.
     */
    handshakes: Type.Optional(Count),
    /**
     * Calls that got an HTTP answer (any status, 403 included): each crossed a connection on which both ends
     * proved who they are. Absent from senders that do not count them.
     */
    answered: Type.Optional(Count),
  },
  strict,
);
export type CallStats = Static<typeof CallStats>;

/** Who called a gateway's door: someone outside the world (never a service id: '_' is not allowed in one). */
export const OUTSIDE_ID = '_outside';

/** Inbound requests the service accepted from one caller (a service, or outside for a gateway) in the window. */
export const InboundStats = Type.Object(
  { from: Type.Union([ServiceId, Type.Literal(OUTSIDE_ID)]), accepted: Count, errors: Count },
  strict,
);
export type InboundStats = Static<typeof InboundStats>;

/** Calls this service refused in the window, grouped by caller identity and reason. */
export const RefusalStats = Type.Object(
  {
    /** The caller's service id from its certificate, its SPIFFE id if of another world, or null when it had none. */
    from: Type.Union([Type.String(), Type.Null()]),
    reason: RefusalReason,
    count: Count,
  },
  strict,
);
export type RefusalStats = Static<typeof RefusalStats>;

/** Gauges one batch (and one node of a frame) may carry. */
export const MAX_GAUGES = 16;

/**
 * A figure a process reports of itself at the end of the window, whatever its kind: a queue's depth, a store's
 * key count. Its name is one of its kind's (KindDescriptor.gauges); a level, not a count of the window.
 */
export const Gauge = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][A-Za-z0-9]{0,31}$' }),
    value: Type.Number(),
  },
  strict,
);
export type Gauge = Static<typeof Gauge>;

export const Gauges = Type.Array(Gauge, { maxItems: MAX_GAUGES });

export const TelemetryBatch = Type.Object(
  {
    worldId: Type.String({ minLength: 1 }),
    serviceId: ServiceId,
    /** Which copy of the service sent it (its spawn config's `replica`); absent: the only one. */
    replica: Type.Optional(Type.Integer({ minimum: 1 })),
    rev: Type.Integer({ minimum: 0 }),
    pid: Type.Integer({ minimum: 0 }),
    /**
     * Increases by one per batch from each process. A batch whose delivery failed or timed out is sent again,
     * unchanged and with the same seq, before any later one: the controller counts each (pid, seq) once.
     */
    seq: Type.Integer({ minimum: 0 }),
    /** Epoch ms at the end of the window. */
    at: Type.Number(),
    windowMs: Type.Number({ minimum: 0 }),
    /** True once the service listens and serves (clients: once they started sending). */
    ready: Type.Boolean(),
    calls: Type.Array(CallStats),
    inbound: Type.Array(InboundStats),
    refusals: Type.Array(RefusalStats),
    /** Spans of sampled requests that ended in the window, at most `MAX_SPANS_PER_BATCH`. */
    spans: Type.Optional(Type.Array(Span, { maxItems: MAX_SPANS_PER_BATCH })),
    /** Spans of the window that did not fit. */
    spansDropped: Type.Optional(Count),
    /** The figures its kind reports of itself (a queue's depth...), as they are at the end of the window. */
    gauges: Type.Optional(Gauges),
  },
  strict,
);
export type TelemetryBatch = Static<typeof TelemetryBatch>;

export const TELEMETRY_TOKEN_HEADER = 'x-dw-token';
/** Remaining hops a request may still take; a service answers 508 when it reaches 0. */
export const HOPS_HEADER = 'x-dw-hops';
export const LOOP_STATUS = 508;

/** A process's memory at one instant, in bytes: Node's `process.memoryUsage()`. */
export const ProcessMemory = Type.Object(
  {
    /** Resident set size: everything the OS holds in RAM for the process. */
    rss: Count,
    /** V8's heap: reserved, and used by live and not yet collected JS objects. */
    heapTotal: Count,
    heapUsed: Count,
    /** Memory of C++ objects bound to JS objects (TLS contexts, buffers), arrayBuffers included. */
    external: Count,
    /** ArrayBuffers and SharedArrayBuffers, Node's Buffers among them. */
    arrayBuffers: Count,
  },
  strict,
);
export type ProcessMemory = Static<typeof ProcessMemory>;

/** What a service answers the controller's /_dw/stats probe with: its own totals since it started. */
export const ServiceStats = Type.Object(
  {
    serviceId: ServiceId,
    pid: Type.Integer(),
    startedAt: Type.Number(),
    /** Requests accepted (passed the link check), per caller id. */
    accepted: Type.Record(Type.String(), Count),
    refused: Count,
    errors: Count,
    /** The process's memory when it answered (for soaks: RSS against the V8 heap tells a leak from the allocator). */
    memory: ProcessMemory,
  },
  strict,
);
export type ServiceStats = Static<typeof ServiceStats>;
