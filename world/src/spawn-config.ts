// The config ONE service process receives: who it is, where it listens, whom it calls, who may call it.
// It knows nothing of the diagram. Passed as JSON in the DW_SPAWN_CONFIG environment variable, locally
// and in a container alike.
import Type, { type Static } from 'typebox';
import { DEFAULT_CALL_TIMEOUT_MS } from './call-policy.js';
import { RuntimeFaults } from './faults.js';
import { MAX_REPLICAS } from './ids.js';
import { ClientConfig, IntruderConfig, LinkId, ServiceConfig, ServiceId } from './world.js';

const strict = { additionalProperties: false } as const;

export const SPAWN_CONFIG_ENV = 'DW_SPAWN_CONFIG';

export const Peer = Type.Object(
  {
    linkId: LinkId,
    /** The callee's service id: its certificate must carry this DNS SAN and its SPIFFE id. */
    id: ServiceId,
    /** Where to reach it, e.g. https://127.0.0.1:41234 locally or https://orders:8443 in compose. */
    url: Type.String({ minLength: 1 }),
    /** Its share of the calls in "weighted" mode (the link's weight; default 1). */
    weight: Type.Optional(Type.Number({ minimum: 0 })),
    /**
     * Other addresses said to answer for this peer; calls are spread over `url` and these (to the address with
     * the fewest calls in flight, in turn when even), an address that refuses connections is left alone for a
     * while, and each answer must still prove the peer's identity. The deployer puts the peer's other replicas
     * here, and an impostor's address.
     */
    alsoAt: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 16 })),
  },
  strict,
);
export type Peer = Static<typeof Peer>;

export const Identity = Type.Object(
  {
    certFile: Type.String({ minLength: 1 }),
    keyFile: Type.String({ minLength: 1 }),
    /** The world CA certificate(s) this service trusts, PEM. */
    caFile: Type.String({ minLength: 1 }),
  },
  strict,
);
export type Identity = Static<typeof Identity>;

export const TelemetryTarget = Type.Object(
  {
    /** Where batches are POSTed, e.g. http://127.0.0.1:4400/api/telemetry. */
    url: Type.String({ minLength: 1 }),
    /** A per-deployment secret the controller checks on every batch. */
    token: Type.String({ minLength: 16 }),
    intervalMs: Type.Integer({ minimum: 20, maximum: 5000 }),
    /** False: record nothing and report nothing but readiness (for measuring what telemetry costs). Default true. */
    enabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type TelemetryTarget = Static<typeof TelemetryTarget>;

/**
 * Compose only: renew this process's own leaf from the world's issuer (the dw-pki service). At `renewAt` of the
 * leaf lifetime (counted from when the current leaf was issued, i.e. notAfter - lifetimeMs) the process makes a
 * new P-256 key pair, asks the issuer over mTLS with its current identity, writes the answer into its identity
 * files and reloads in place. Locally the controller renews instead, over the IPC channel.
 */
export const Renewal = Type.Object(
  {
    /** The issuer's endpoint, e.g. https://dw-pki:8444/renew. */
    url: Type.String({ minLength: 1 }),
    /** The DNS name the issuer's certificate must carry. */
    serverName: Type.String({ minLength: 1 }),
    /** How long each leaf is valid from its issuance (the world's settings.leafLifetimeMinutes). */
    lifetimeMs: Type.Integer({ minimum: 1000 }),
    /** The share of the lifetime after which to renew; default 2/3, as the local controller does. */
    renewAt: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  },
  strict,
);
export type Renewal = Static<typeof Renewal>;

const Common = {
  worldId: Type.String({ minLength: 1 }),
  serviceId: ServiceId,
  /** Which copy of the service this process is, from 1 (absent: the only one). Its telemetry says it too. */
  replica: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICAS })),
  /** The world revision this process was started for. */
  rev: Type.Integer({ minimum: 0 }),
  listen: Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, strict),
  identity: Identity,
  peers: Type.Array(Peer),
  /** SPIFFE ids allowed to call this service (from its incoming links). */
  allowedCallers: Type.Array(Type.String()),
  hopBudget: Type.Integer({ minimum: 1, maximum: 64 }),
  telemetry: TelemetryTarget,
  renewal: Type.Optional(Renewal),
  /** Faults in force on its outbound links when it starts (later changes arrive on PUT /_dw/faults). */
  faults: Type.Optional(RuntimeFaults),
};

export const ClientSpawnConfig = Type.Object(
  { ...Common, kind: Type.Literal('client'), behaviour: ClientConfig },
  strict,
);
export const ServiceSpawnConfig = Type.Object(
  { ...Common, kind: Type.Literal('service'), behaviour: ServiceConfig },
  strict,
);
/**
 * What the controller sends a service process over its IPC channel: re-read your identity files (a renewed
 * leaf, or another CA bundle during a rotation) and use them for every new connection, in and out.
 */
export const IdentityReload = Type.Object({ type: Type.Literal('identity:reload'), seq: Type.Integer() }, strict);
export type IdentityReload = Static<typeof IdentityReload>;

/** The process's answer once the new identity is in use (or why it could not be). */
export const IdentityReloaded = Type.Object(
  {
    type: Type.Literal('identity:reloaded'),
    seq: Type.Integer(),
    ok: Type.Boolean(),
    error: Type.Optional(Type.String()),
  },
  strict,
);
export type IdentityReloaded = Static<typeof IdentityReloaded>;

/**
 * From the controller over the IPC channel: your peers now answer at these addresses (a peer was scaled). The
 * links are the same ones the process started with; only `url`/`alsoAt` change. No answer is expected.
 */
export const PeersUpdate = Type.Object({ type: Type.Literal('peers:update'), peers: Type.Array(Peer) }, strict);
export type PeersUpdate = Static<typeof PeersUpdate>;

/** An intruder's credentials: no certificate at all (no-cert), or one that should not get it in. */
export const IntruderIdentity = Type.Object(
  {
    certFile: Type.Optional(Type.String({ minLength: 1 })),
    keyFile: Type.Optional(Type.String({ minLength: 1 })),
    caFile: Type.String({ minLength: 1 }),
  },
  strict,
);
export type IntruderIdentity = Static<typeof IntruderIdentity>;

export const IntruderSpawnConfig = Type.Object(
  { ...Common, identity: IntruderIdentity, kind: Type.Literal('intruder'), behaviour: IntruderConfig },
  strict,
);
export type IntruderSpawnConfig = Static<typeof IntruderSpawnConfig>;

export const SpawnConfig = Type.Union([ClientSpawnConfig, ServiceSpawnConfig, IntruderSpawnConfig]);
export type SpawnConfig = Static<typeof SpawnConfig>;

/**
 * How long a process may take to answer a reload that gives it a leaf of a new CA (a rotation's second step):
 * it answers once its outbound calls on the old leaf are over, which its per-attempt timeout bounds.
 */
export function reloadDrainMs(config: SpawnConfig): number {
  const calls = config.kind === 'intruder' ? undefined : config.behaviour.calls;
  return (calls?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS) + 1000;
}
