// HTTP bodies of the controller's API. The server's route schemas and the editor's client both use these.
import Type, { type Static } from 'typebox';
import { TraceId } from './trace.js';
import { World } from './world.js';

const strict = { additionalProperties: false } as const;

export const WorldId = Type.String({ minLength: 1, maxLength: 80, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' });

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
 * A deploy refused by the process budget (409 `process-budget`) carries the figures in `budget`.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    problems: Type.Optional(Type.Array(ProblemSchema)),
    budget: Type.Optional(ProcessBudget),
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
 * POST /api/worlds/:id/deploy/plan -- what a deploy would do, without doing it. The body is empty (plan the
 * world as saved) or `{ world }` (plan that world, e.g. the editor's unsaved draft). `summary` reads like
 * "2 start, 1 restart, 1 stop"; `deployedRev` is what runs now (null when nothing does); `budget` says how many
 * processes the deploy would run and whether the controller's process budget has room for them.
 */
export const DeployPreview = Type.Object(
  {
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
