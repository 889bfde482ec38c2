// What the containers of an exported compose file receive besides their spawn config: the pki service's job and
// the observer's. Both travel as JSON in one environment variable, like DW_SPAWN_CONFIG.
import Type, { type Static } from 'typebox';
import { WorldId } from './ids.js';
import { ServiceId, World } from './world.js';

const strict = { additionalProperties: false } as const;

/**
 * The pki service: create the world CA in caDir (once), issue each service its leaf into issuedDir/<id>/ (compose
 * and swarm, where it shares a volume with each service), and serve renewals; in Kubernetes, where it shares no
 * volume with anyone, it issues nothing at start and serves first leaves to bootstrap-token holders instead
 * (`enrollment`, see ./enrollment.ts).
 */
export const PKI_CONFIG_ENV = 'DW_PKI_CONFIG';
export const PkiConfig = Type.Object(
  {
    worldId: Type.String({ minLength: 1 }),
    services: Type.Array(ServiceId),
    caDir: Type.String({ minLength: 1 }),
    /** Where each service's identity volume is mounted (issuedDir/<id>/); absent: no leaf is issued at start. */
    issuedDir: Type.Optional(Type.String({ minLength: 1 })),
    /** How long each leaf is valid from its issuance; default pki's 24 h. */
    leafLifetimeMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    /** The issuer's own name on the compose network (its certificate's DNS SAN) and its HTTPS port. */
    issuer: Type.Optional(
      Type.Object({ name: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }, strict),
    ),
    /**
     * Kubernetes: also serve POST /enroll on `port` (TLS, no client certificate): a first leaf for a service that
     * proves it holds that service's bootstrap token, read from tokensDir/<service id> (a mounted Secret).
     */
    enrollment: Type.Optional(
      Type.Object(
        { port: Type.Integer({ minimum: 1, maximum: 65535 }), tokensDir: Type.String({ minLength: 1 }) },
        strict,
      ),
    ),
  },
  strict,
);
export type PkiConfig = Static<typeof PkiConfig>;

/** POST /renew on the issuer: the caller's NEW public key; the identity comes from its current certificate. */
export const RenewRequest = Type.Object({ publicKeyPem: Type.String({ minLength: 1, maxLength: 4096 }) }, strict);
export type RenewRequest = Static<typeof RenewRequest>;

/** The issuer's answer: a leaf for the caller's identity bound to that key, and the CA certificate(s) to trust. */
export const RenewResponse = Type.Object({ certPem: Type.String(), caPem: Type.String() }, strict);
export type RenewResponse = Static<typeof RenewResponse>;

/** The observer: a controller that runs nothing, shows `world` and takes telemetry carrying `token`. */
export const OBSERVE_ENV = 'DW_OBSERVE';
export const ObserveConfig = Type.Object(
  {
    worldId: WorldId,
    rev: Type.Integer({ minimum: 1 }),
    world: World,
    token: Type.String({ minLength: 16 }),
  },
  strict,
);
export type ObserveConfig = Static<typeof ObserveConfig>;

/** A warning of POST /api/import/compose: what could not be represented, and where in the compose file. */
export const ImportWarning = Type.Object({ pointer: Type.String(), message: Type.String() }, strict);
export type ImportWarning = Static<typeof ImportWarning>;

/** The answer of POST /api/import/compose: the world as saved, and every warning. */
export const ComposeImportResult = Type.Object(
  {
    id: Type.String(),
    rev: Type.Integer({ minimum: 1 }),
    world: World,
    warnings: Type.Array(ImportWarning),
  },
  strict,
);
export type ComposeImportResult = Static<typeof ComposeImportResult>;
