// What every spawn config holds whatever the kind (who it is, where it listens, whom it calls, who may call
// it), and the helper kind descriptors build their spawn-config variant with.
import Type, { type Static, type TObject, type TSchema } from 'typebox';
import { RuntimeFaults } from './faults.js';
import { LinkId, MAX_REPLICAS, ServiceId } from './ids.js';
import { strict } from './node-parts.js';

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
    /**
     * The callee's kind, when its kind says its callers must know it (facts.namedToCallers): a store is called
     * with GET/PUT/DELETE of keys. Absent: a peer called with the mesh's POST.
     */
    kind: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' })),
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

/** A credential that may lack a certificate (an intruder's: none at all, or one that should not get it in). */
export const CredentialIdentity = Type.Object(
  {
    certFile: Type.Optional(Type.String({ minLength: 1 })),
    keyFile: Type.Optional(Type.String({ minLength: 1 })),
    caFile: Type.String({ minLength: 1 }),
  },
  strict,
);
export type CredentialIdentity = Static<typeof CredentialIdentity>;

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

export const spawnCommonFields = {
  worldId: Type.String({ minLength: 1 }),
  serviceId: ServiceId,
  /** Which copy of the service this process is, from 1 (absent: the only one). Its telemetry says it too. */
  replica: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICAS })),
  /** The world revision this process was started for. */
  rev: Type.Integer({ minimum: 0 }),
  listen: Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, strict),
  peers: Type.Array(Peer),
  /** SPIFFE ids allowed to call this service (from its incoming links). */
  allowedCallers: Type.Array(Type.String()),
  hopBudget: Type.Integer({ minimum: 1, maximum: 64 }),
  telemetry: TelemetryTarget,
  renewal: Type.Optional(Renewal),
  /** Faults in force on its outbound links when it starts (later changes arrive on PUT /_dw/faults). */
  faults: Type.Optional(RuntimeFaults),
};

/** The spawn config of one kind: the common fields, its identity, its kind and its behaviour (its config). */
export function spawnVariant<K extends string, B extends TSchema, I extends TObject>(
  kind: K,
  behaviour: B,
  identity: I,
) {
  return Type.Object({ ...spawnCommonFields, identity, kind: Type.Literal(kind), behaviour }, strict);
}

/**
 * Where a durable kind (facts.durable) keeps its data: a directory of its own, private to its user (0700),
 * per world and node (<data>/worlds-data/<world>/<node> locally, a named volume in compose). It outlives the
 * process, restarts and redeploys.
 */
export const DataDir = Type.String({ minLength: 1, maxLength: 4096 });

/** The spawn config of a durable kind: a spawnVariant with its `dataDir`. */
export function durableSpawnVariant<K extends string, B extends TSchema>(kind: K, behaviour: B) {
  return Type.Object(
    { ...spawnCommonFields, identity: Identity, kind: Type.Literal(kind), behaviour, dataDir: DataDir },
    strict,
  );
}
