// HTTP bodies of the controller's API. The server's route schemas and the editor's client both use these.
import Type, { type Static } from 'typebox';
import { WorldId } from './ids.js';
import { TraceId } from './trace.js';
import { World } from './world.js';

const strict = { additionalProperties: false } as const;

export { WorldId };

/** GET /api/health. `observing`: this controller only watches that world, which runs in compose (read-only). */
export const Health = Type.Object({ ok: Type.Literal(true), observing: Type.Optional(WorldId) }, strict);
export type Health = Static<typeof Health>;

export const WorldRecord = Type.Object({ id: WorldId, rev: Type.Integer({ minimum: 1 }), world: World }, strict);
export type WorldRecord = Static<typeof WorldRecord>;

export const WorldSummary = Type.Object(
  { id: WorldId, name: Type.String(), updatedAt: Type.String({ description: 'ISO 8601' }) },
  strict,
);
export type WorldSummary = Static<typeof WorldSummary>;

/** PUT /api/worlds/:id -- `rev` is the revision the edit was based on. The world is checked by validateWorld. */
export const UpdateWorldBody = Type.Object({ rev: Type.Integer({ minimum: 1 }), world: Type.Unknown() }, strict);
export type UpdateWorldBody = Static<typeof UpdateWorldBody>;

export const ServiceState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('ready'),
  Type.Literal('crashed'),
  Type.Literal('restarting'),
  Type.Literal('paused'),
  Type.Literal('stopped'),
]);
export type ServiceState = Static<typeof ServiceState>;

/** One copy of a service that runs more than once. */
export const ReplicaStatus = Type.Object(
  {
    replica: Type.Integer({ minimum: 1 }),
    state: ServiceState,
    pid: Type.Union([Type.Integer(), Type.Null()]),
    port: Type.Union([Type.Integer(), Type.Null()]),
  },
  strict,
);
export type ReplicaStatus = Static<typeof ReplicaStatus>;

const STATE_ORDER: readonly ServiceState[] = ['restarting', 'starting', 'paused', 'crashed', 'stopped'];

/**
 * The state of a service from the states of its copies: ready while any copy serves (its callers reach it;
 * `replicas` tells the rest), otherwise the most hopeful of the others.
 */
export function combinedState(states: readonly ServiceState[]): ServiceState {
  if (states.length === 0) return 'stopped';
  if (states.includes('ready')) return 'ready';
  return STATE_ORDER.find((s) => states.includes(s)) ?? 'stopped';
}

export const DeployedService = Type.Object(
  {
    id: Type.String(),
    /** combinedState of its copies when it runs more than once. */
    state: ServiceState,
    /** The first copy's pid and port. */
    pid: Type.Union([Type.Integer(), Type.Null()]),
    port: Type.Union([Type.Integer(), Type.Null()]),
    /** Every copy, when the service runs more than once (replicas > 1). */
    replicas: Type.Optional(Type.Array(ReplicaStatus)),
  },
  strict,
);
export type DeployedService = Static<typeof DeployedService>;

/** GET /api/worlds/:id/deploy -- `rev` is null when nothing is deployed. */
export const DeployStatus = Type.Object(
  { rev: Type.Union([Type.Integer(), Type.Null()]), services: Type.Array(DeployedService) },
  strict,
);
export type DeployStatus = Static<typeof DeployStatus>;

/**
 * POST /api/worlds/:id/deploy -- the body is optional: `{ rev }` deploys that revision of the saved world and is
 * refused (409 `stale-revision`, with the latest `rev`) when the world has been saved since; without it, the
 * latest revision is deployed.
 */
export const DeployRequest = Type.Object({ rev: Type.Optional(Type.Integer({ minimum: 1 })) }, strict);
export type DeployRequest = Static<typeof DeployRequest>;

/** The answer (202): the revision being deployed. */
export const DeployStarted = Type.Object({ rev: Type.Integer() }, strict);
export type DeployStarted = Static<typeof DeployStarted>;

export const ProblemSchema = Type.Object({ pointer: Type.String(), message: Type.String() }, strict);

/**
 * The controller's process budget as one deploy meets it: every world together may run at most `limit`
 * processes (each replica, client and intruder is one; DW_MAX_PROCESSES sets it). `processes` is what this world
 * runs after the deploy; `adds` is how many more than it holds now (a redeploy's starts and scale-ups add, its
 * stops and scale-downs free -- they end before anything starts --, restarts keep their count); `left` is what
 * the budget has left now, before this deploy. It fits when `adds <= left`.
 */
export const ProcessBudget = Type.Object(
  {
    limit: Type.Integer({ minimum: 1 }),
    processes: Type.Integer({ minimum: 0 }),
    adds: Type.Integer(),
    left: Type.Integer({ minimum: 0 }),
    fits: Type.Boolean(),
  },
  strict,
);
export type ProcessBudget = Static<typeof ProcessBudget>;

/**
 * Every error answer: a short code, a sentence for people, and for invalid input each problem with its pointer.
 * A deploy refused by the process budget (409 `process-budget`) carries the figures in `budget`; a save or a
 * deploy of a revision that is not the latest (409 `stale-rev`, `stale-revision`) the latest one in `rev`.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    problems: Type.Optional(Type.Array(ProblemSchema)),
    budget: Type.Optional(ProcessBudget),
    rev: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  strict,
);
export type ErrorBody = Static<typeof ErrorBody>;

export const DeployPlanSchema = Type.Object(
  {
    start: Type.Array(Type.String()),
    restart: Type.Array(Type.String()),
    stop: Type.Array(Type.String()),
    keep: Type.Array(Type.String()),
    /** Services whose copies change in number only: the extra copies start or stop, the others keep running. */
    scale: Type.Array(
      Type.Object({ id: Type.String(), from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }, strict),
    ),
  },
  strict,
);

/**
 * POST /api/worlds/:id/deploy/plan -- what a deploy would do, without doing it: the same pure plan the deploy
 * applies (deployDecision in reconcile.ts). The body is empty (plan the world as saved) or `{ world }` (plan that
 * world, e.g. the editor's unsaved draft). `rev` is the saved revision it was planned for (null for a draft: it
 * is not saved yet), which POST .../deploy { rev } then deploys; `summary` reads like "2 start, 1 restart,
 * 1 stop"; `deployedRev` is what runs now (null when nothing does); `budget` says how many processes the deploy
 * would run and whether the controller's process budget has room for them.
 */
export const DeployPreview = Type.Object(
  {
    /** Always sent by the controller (optional only so that older fixtures of the editor still type-check). */
    rev: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    deployedRev: Type.Union([Type.Integer(), Type.Null()]),
    plan: DeployPlanSchema,
    summary: Type.String(),
    budget: ProcessBudget,
  },
  strict,
);
export type DeployPreview = Static<typeof DeployPreview>;
/** POST /api/worlds/:id/deploy/renew and /rotate-ca: what the running deployment trusts and presents now. */
export const IdentityRoll = Type.Object(
  {
    /** The CA every leaf now chains to. */
    ca: Type.Object({ serial: Type.String(), fingerprint256: Type.String() }, strict),
    /** Processes that took the new identity. */
    reloaded: Type.Integer({ minimum: 0 }),
    tookMs: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type IdentityRoll = Static<typeof IdentityRoll>;

/** A certificate as a person reads it (describeCertificate in @dw/pki). Public parts only: never key material. */
export const CertificateInfo = Type.Object(
  {
    subject: Type.String(),
    issuer: Type.String(),
    /** Hex, uppercase, as OpenSSL prints it. */
    serial: Type.String(),
    dnsNames: Type.Array(Type.String()),
    uris: Type.Array(Type.String()),
    notBefore: Type.String({ description: 'ISO 8601' }),
    notAfter: Type.String({ description: 'ISO 8601' }),
    /** SHA-256 of the DER, uppercase hex pairs joined by ":". */
    fingerprint256: Type.String(),
  },
  strict,
);
export type CertificateInfo = Static<typeof CertificateInfo>;

/** One identity a service admits: its SPIFFE id, and the service id when it is of the same world. */
export const AllowedCaller = Type.Object(
  { spiffeId: Type.String(), serviceId: Type.Union([Type.String(), Type.Null()]) },
  strict,
);
export type AllowedCaller = Static<typeof AllowedCaller>;

/**
 * GET /api/worlds/:id/deploy/services/:serviceId/certificate -- the certificate the running service presents
 * (read from a real TLS handshake with it, so it is what any client sees) and the identities allowed to call it.
 */
export const ServiceCertificate = Type.Object(
  {
    worldId: Type.String(),
    serviceId: Type.String(),
    certificate: CertificateInfo,
    allowedCallers: Type.Array(AllowedCaller),
    /** Epoch ms when the controller read the certificate. */
    readAt: Type.Number(),
  },
  strict,
);
export type ServiceCertificate = Static<typeof ServiceCertificate>;

/**
 * The same route for a node that serves nothing (an intruder, unless it is an impostor): it listens for no one, so
 * there is no handshake to read a certificate from. What it has is the credential the controller issued it to
 * call with: `credential` says which kind (none, from a foreign CA, expired, a valid one of its own), `presents`
 * the client certificate it offers when it calls (null: it offers none).
 */
export const CallerCredential = Type.Object(
  {
    worldId: Type.String(),
    serviceId: Type.String(),
    serves: Type.Literal(false),
    credential: Type.Union([
      Type.Literal('none'),
      Type.Literal('foreign-ca'),
      Type.Literal('expired'),
      Type.Literal('own'),
    ]),
    presents: Type.Union([CertificateInfo, Type.Null()]),
    /** Epoch ms when the controller read it. */
    readAt: Type.Number(),
  },
  strict,
);
export type CallerCredential = Static<typeof CallerCredential>;

/** What GET …/certificate answers: the certificate a node serves with, or the credential it calls with. */
export const NodeCertificate = Type.Union([ServiceCertificate, CallerCredential]);
export type NodeCertificate = Static<typeof NodeCertificate>;

/** The largest body "try it" sends to a gateway, and the most of its answer it hands back (1 MiB each). */
export const GATEWAY_TRY_MAX_BYTES = 1024 * 1024;
/** How long "try it" waits for a gateway's whole answer. */
export const GATEWAY_TRY_TIMEOUT_MS = 10_000;

export const GatewayTryMethod = Type.Union([
  Type.Literal('GET'),
  Type.Literal('POST'),
  Type.Literal('PUT'),
  Type.Literal('PATCH'),
  Type.Literal('DELETE'),
  Type.Literal('HEAD'),
  Type.Literal('OPTIONS'),
]);
export type GatewayTryMethod = Static<typeof GatewayTryMethod>;
export const GATEWAY_TRY_METHODS: readonly GatewayTryMethod[] = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
];

/**
 * POST /api/worlds/:id/gateways/:gatewayId/try -- one request sent by the controller to a running gateway's door
 * on 127.0.0.1 (the editor's page cannot reach the door's port itself). `path` is what follows the door's address
 * (`/orders/`, `/orders/items?x=1`); `body` is sent as it is, at most GATEWAY_TRY_MAX_BYTES (UTF-8).
 */
export const GatewayTryRequest = Type.Object(
  {
    method: GatewayTryMethod,
    path: Type.String({ minLength: 1, maxLength: 2048, pattern: '^/[\\x21-\\x7e]*$' }),
    /** Request headers (names as HTTP tokens); those of the connection (host, content-length...) are not sent. */
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$" }), Type.String({ maxLength: 4096 })),
    ),
    body: Type.Optional(Type.String()),
  },
  strict,
);
export type GatewayTryRequest = Static<typeof GatewayTryRequest>;

/**
 * The gateway's answer as it came: status, headers (lower-case names; repeated ones joined by ", ") and body as
 * text (cut at GATEWAY_TRY_MAX_BYTES, then `truncated`). `traceId`: the trace the request started (the controller
 * sends it sampled, so the gateway and every hop after it record their spans: GET .../traces/:traceId).
 */
export const GatewayTryAnswer = Type.Object(
  {
    status: Type.Integer({ minimum: 100, maximum: 999 }),
    headers: Type.Record(Type.String(), Type.String()),
    body: Type.String(),
    truncated: Type.Optional(Type.Literal(true)),
    /** From sending the request to the answer's last byte, ms. */
    durationMs: Type.Number({ minimum: 0 }),
    /** Where the door is: http://127.0.0.1:<port> (https:// when the gateway serves its door over TLS). */
    url: Type.String(),
    traceId: Type.Optional(TraceId),
  },
  strict,
);
export type GatewayTryAnswer = Static<typeof GatewayTryAnswer>;
// Route parameters and query strings of the API. An id in a path is any string of up to 200 characters: an
// unknown one is a 404 that names it, not a 400 about its form.
const PathPart = Type.String({ maxLength: 200 });

/** `/api/worlds/:id/...` */
export const IdParams = Type.Object({ id: PathPart });
export type IdParams = Static<typeof IdParams>;
/** `/api/worlds/:id/deploy/services/:serviceId/...` */
export const ServiceParams = Type.Object({ id: PathPart, serviceId: PathPart });
export type ServiceParams = Static<typeof ServiceParams>;
/** `/api/worlds/:id/faults/:faultId` */
export const FaultParams = Type.Object({ id: PathPart, faultId: PathPart });
export type FaultParams = Static<typeof FaultParams>;
/** `/api/worlds/:id/traces/:traceId` */
export const TraceParams = Type.Object({ id: PathPart, traceId: PathPart });
export type TraceParams = Static<typeof TraceParams>;
/** `/api/worlds/:id/nodes/:nodeId/...` (a queue's or a store's data) */
export const NodeParams = Type.Object({ id: PathPart, nodeId: PathPart });
export type NodeParams = Static<typeof NodeParams>;
/** `/api/worlds/:id/nodes/:nodeId/keys/:key`: one key of a store. */
export const KeyParams = Type.Object({
  id: PathPart,
  nodeId: PathPart,
  key: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type KeyParams = Static<typeof KeyParams>;
/** `?after=&limit=` of a store's keys: the page after `after`, of at most `limit` (capped by MAX_KEYS_PER_PAGE). */
export const KeysQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 1024 })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
});
export type KeysQuery = Static<typeof KeysQuery>;
/** `?limit=` of a queue's dead letters. */
export const LimitQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) });
export type LimitQuery = Static<typeof LimitQuery>;
/** `?limit=` of GET /api/worlds/:id/traces: 1 to 999 (the controller keeps at most 500). */
export const TraceListQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) });
export type TraceListQuery = Static<typeof TraceListQuery>;
/** `?observer=false` leaves the observer out of an exported compose file, `?observerPort=N` publishes it on N. */
export const ComposeExportQuery = Type.Object({
  observer: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  observerPort: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
});
export type ComposeExportQuery = Static<typeof ComposeExportQuery>;
/** `?replica=2` (1 to 10, MAX_REPLICAS) kills that copy alone; without it, every copy. */
export const KillQuery = Type.Object({ replica: Type.Optional(Type.String({ pattern: '^(10|[1-9])$' })) });
export type KillQuery = Static<typeof KillQuery>;

/** POST /api/worlds/:id/deploy/services/:serviceId/kill -- what was killed (SIGKILL). */
export const Killed = Type.Object(
  {
    serviceId: Type.String(),
    /** The pid killed (the first one, when every copy was). */
    pid: Type.Integer(),
    /** The copy killed, when one was asked for. */
    replica: Type.Optional(Type.Integer()),
    /** Every pid killed. */
    pids: Type.Array(Type.Integer()),
  },
  strict,
);
export type Killed = Static<typeof Killed>;

/** POST /api/worlds/:id/deploy/services/:serviceId/start -- the copies started again (1 when it runs once). */
export const ServiceStarted = Type.Object(
  { serviceId: Type.String(), replicas: Type.Array(Type.Integer({ minimum: 1 })) },
  strict,
);
export type ServiceStarted = Static<typeof ServiceStarted>;

/** GET /api/live -- the live view's own figures: sockets connected, frames sent, frames skipped for a slow reader. */
export const LiveStats = Type.Object(
  {
    watchers: Type.Integer({ minimum: 0 }),
    framesSent: Type.Integer({ minimum: 0 }),
    /** Frames not sent to a watcher that had not yet taken the previous ones (a stalled or slow browser). */
    framesDropped: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type LiveStats = Static<typeof LiveStats>;
