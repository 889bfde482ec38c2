// socket.io events, typed end to end: the server is `new Server<ClientToServerEvents, ServerToClientEvents>`,
// the browser `Socket<ServerToClientEvents, ClientToServerEvents>`. Names are entity:verb.
import Type, { type Static } from 'typebox';
import { ReplicaStatus, ServiceState } from './api.js';
import type { FaultList } from './faults.js';
import { CallFigures, ServiceFigures } from './figures.js';
import type { ScenarioProgress } from './scenario.js';
import { BreakerState, Gauges, RefusalReason } from './telemetry.js';
import { LATENCY_BUCKETS_MS } from './trace.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });

/** Frames are emitted at this fixed rate while a world is watched. */
export const FRAME_INTERVAL_MS = 200;

export const WatchRequest = Type.Object({ worldId: Type.String({ minLength: 1, maxLength: 80 }) }, strict);
export type WatchRequest = Static<typeof WatchRequest>;

export const LinkTraffic = Type.Object(
  {
    id: Type.String(),
    from: Type.String(),
    to: Type.String(),
    /** Counts in this window, as the caller saw them. */
    requests: Count,
    errors: Count,
    refused: Count,
    /** Mean, max and min latency of this window's calls, ms (0 when none; min absent when not reported). */
    latencyMsAvg: Type.Number(),
    latencyMsMax: Type.Number(),
    latencyMsMin: Type.Optional(Type.Number({ minimum: 0 })),
    /** New mutual-TLS connections the caller opened in this window (absent when not reported). */
    handshakes: Type.Optional(Count),
    /** Calls in this window that got an HTTP answer over mutual TLS (absent when not reported). */
    answered: Type.Optional(Count),
    /** Totals since the world was deployed. */
    total: Type.Object({ requests: Count, errors: Count, refused: Count, handshakes: Type.Optional(Count) }, strict),
    /** Retry attempts in this window and since deploy (present once the caller has retried). */
    retries: Type.Optional(Count),
    totalRetries: Type.Optional(Count),
    /** The caller's circuit breaker on this link, when it has one. */
    breaker: Type.Optional(BreakerState),
    /**
     * What people read (figures.ts): rate, failed shares and latency over the last FIGURE_WINDOW_MS (this window
     * and the ones before it), computed once by the controller. Absent when that span had no call: all zero.
     */
    figures: Type.Optional(CallFigures),
    /**
     * The window's latency histogram (calls per `LATENCY_BUCKETS_MS` bucket, plus one for slower), present when
     * the window had calls: histograms of many windows add up, so a quantile over a whole run is exact.
     */
    latencyBuckets: Type.Optional(Type.Array(Count, { maxItems: LATENCY_BUCKETS_MS.length + 1 })),
  },
  strict,
);
export type LinkTraffic = Static<typeof LinkTraffic>;

export const Refusal = Type.Object(
  {
    to: Type.String(),
    /** The caller's identity, or null when it presented none. */
    from: Type.Union([Type.String(), Type.Null()]),
    reason: RefusalReason,
    count: Count,
  },
  strict,
);
export type Refusal = Static<typeof Refusal>;

export const ServiceTraffic = Type.Object(
  {
    id: Type.String(),
    state: ServiceState,
    /** Requests this service accepted in the window, and since deploy. */
    accepted: Count,
    totalAccepted: Count,
    /**
     * What it accepted per second, and the figures of every call it made over its links, over the last
     * FIGURE_WINDOW_MS (figures.ts). Absent when that span had no traffic in or out: all zero.
     */
    figures: Type.Optional(ServiceFigures),
    /**
     * When it runs more than once: what each copy accepted (the counts above are their sum), and per second over
     * the last FIGURE_WINDOW_MS.
     */
    replicas: Type.Optional(
      Type.Array(
        Type.Object(
          {
            replica: Type.Integer({ minimum: 1 }),
            accepted: Count,
            totalAccepted: Count,
            inPerSec: Type.Optional(Type.Number({ minimum: 0 })),
          },
          strict,
        ),
      ),
    ),
    /**
     * The figures its kind reports (a queue's depth, a store's keys), the latest each process sent; summed over
     * its copies when it runs more than once. Absent until it reported some.
     */
    gauges: Type.Optional(Gauges),
  },
  strict,
);
export type ServiceTraffic = Static<typeof ServiceTraffic>;

/** Frames carry at most this many sampled messages per link, and this many in all. */
export const MAX_SAMPLES_PER_LINK = 2;
export const MAX_SAMPLES_PER_FRAME = 64;

/** One real message of the window (a sampled call), so the editor can open its trace. */
export const MessageSample = Type.Object(
  {
    linkId: Type.String(),
    traceId: Type.String(),
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('refused')]),
    latencyMs: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type MessageSample = Static<typeof MessageSample>;

export const TrafficFrame = Type.Object(
  {
    worldId: Type.String(),
    rev: Type.Integer(),
    /** Epoch ms at the end of the window. */
    at: Type.Number(),
    windowMs: Type.Number(),
    links: Type.Array(LinkTraffic),
    /** Calls refused that no link explains. */
    refusals: Type.Array(Refusal),
    services: Type.Array(ServiceTraffic),
    /** A bounded sample of this window's messages: at most MAX_SAMPLES_PER_LINK per link, MAX_SAMPLES_PER_FRAME. */
    samples: Type.Optional(Type.Array(MessageSample)),
  },
  strict,
);
export type TrafficFrame = Static<typeof TrafficFrame>;

export const ServiceStatusEvent = Type.Object(
  {
    worldId: Type.String(),
    rev: Type.Union([Type.Integer(), Type.Null()]),
    id: Type.String(),
    /** combinedState of its copies when it runs more than once. */
    state: ServiceState,
    /** The first copy's pid and port. */
    pid: Type.Union([Type.Integer(), Type.Null()]),
    port: Type.Union([Type.Integer(), Type.Null()]),
    /** Why it is in this state, for people (exit code, signal, last stderr line; of the copy that changed). */
    detail: Type.Optional(Type.String()),
    /** Every copy, when the service runs more than once (replicas > 1). */
    replicas: Type.Optional(Type.Array(ReplicaStatus)),
  },
  strict,
);
export type ServiceStatusEvent = Static<typeof ServiceStatusEvent>;

/**
 * A running world's identities were renewed (new leaves from the same CA, by the timer or by hand) or its CA was
 * rotated (every leaf re-issued from a new CA, the old one no longer trusted): recorded in its run, to jump to.
 */
export const IdentityRolled = Type.Object(
  {
    worldId: Type.String(),
    kind: Type.Union([Type.Literal('renewal'), Type.Literal('rotation')]),
    /** The CA every leaf chains to afterwards. */
    ca: Type.Object({ serial: Type.String(), fingerprint256: Type.String() }, strict),
    /** Processes that took the new identity. */
    reloaded: Type.Integer({ minimum: 0 }),
    tookMs: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type IdentityRolled = Static<typeof IdentityRolled>;

/**
 * The steps a service passes through while a deploy starts it, in order: its leaf certificate is issued, its
 * process is spawned, it serves (clients: they send). `crashed` ends a step sequence when its process died before it
 * was ready; `failed` when the deploy itself failed before the process could start (detail says why).
 */
export const DeployStep = Type.Union([
  Type.Literal('identity-issued'),
  Type.Literal('starting'),
  Type.Literal('ready'),
  Type.Literal('crashed'),
  Type.Literal('failed'),
]);
export type DeployStep = Static<typeof DeployStep>;

/** The steps that follow one another, in order; every service of a deploy goes through these or ends early. */
export const DEPLOY_STEPS = ['identity-issued', 'starting', 'ready'] as const;

/**
 * `deploy:progress`: one service of a deploy reached a step. Only the services a deploy starts or restarts report
 * progress (a redeploy keeps the others running, untouched). A new watcher first receives each one's latest step.
 */
export const DeployProgressEvent = Type.Object(
  {
    worldId: Type.String(),
    /** The revision being deployed. */
    rev: Type.Integer(),
    id: Type.String(),
    /** How many services this deploy starts (each reports its own steps). */
    of: Type.Integer({ minimum: 0 }),
    step: DeployStep,
    /** Epoch ms when the controller saw the step. */
    at: Type.Number(),
    /** identity-issued: the new leaf's serial (hex) and end of validity (ISO 8601); absent when it has none. */
    serial: Type.Optional(Type.String()),
    notAfter: Type.Optional(Type.String()),
    /** For people: why it crashed or failed, or what kind of identity it got. */
    detail: Type.Optional(Type.String()),
  },
  strict,
);
export type DeployProgressEvent = Static<typeof DeployProgressEvent>;

export type WatchAck = { ok: true } | { ok: false; error: string };

/** `logs:watch` / `logs:unwatch`: follow one service's stdout and stderr. */
export const LogsRequest = Type.Object(
  { worldId: Type.String({ minLength: 1, maxLength: 80 }), serviceId: Type.String({ minLength: 1, maxLength: 63 }) },
  strict,
);
export type LogsRequest = Static<typeof LogsRequest>;

/** One line a service process wrote (stdout or stderr), as the controller's bounded buffer kept it. */
export const ServiceLogLine = Type.Object(
  {
    worldId: Type.String(),
    id: Type.String(),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    line: Type.String(),
    /** Epoch ms when the controller read it. */
    at: Type.Number(),
  },
  strict,
);
export type ServiceLogLine = Static<typeof ServiceLogLine>;

/** The answer to logs:watch: the lines kept so far (oldest first), then `service:log` events as they come. */
export type LogsAck = { ok: true; lines: ServiceLogLine[] } | { ok: false; error: string };

export interface ServerToClientEvents {
  'traffic:frame': (frame: TrafficFrame) => void;
  'service:status': (status: ServiceStatusEvent) => void;
  /** Each step of each service a deploy starts: identity issued, starting, ready (or crashed, failed). */
  'deploy:progress': (progress: DeployProgressEvent) => void;
  /** Every fault in force on the world, on watch and whenever one is added or removed. */
  'faults:changed': (faults: FaultList) => void;
  /** A scenario played on the controller: each step as it happens, then the verdict. */
  'scenario:progress': (progress: ScenarioProgress) => void;
  'service:log': (line: ServiceLogLine) => void;
}

export interface ClientToServerEvents {
  'world:watch': (request: WatchRequest, ack?: (result: WatchAck) => void) => void;
  'world:unwatch': (request: WatchRequest) => void;
  'logs:watch': (request: LogsRequest, ack?: (result: LogsAck) => void) => void;
  'logs:unwatch': (request: LogsRequest) => void;
}
