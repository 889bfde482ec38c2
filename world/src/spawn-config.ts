// The config ONE service process receives: who it is, where it listens, whom it calls, who may call it.
// It knows nothing of the diagram. Passed as JSON in the DW_SPAWN_CONFIG environment variable, locally
// and in a container alike.
import Type, { type Static } from 'typebox';
import { RuntimeFaults } from './faults.js';
import { ClientConfig, LinkId, ServiceConfig, ServiceId } from './world.js';

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
  },
  strict,
);
export type TelemetryTarget = Static<typeof TelemetryTarget>;

const Common = {
  worldId: Type.String({ minLength: 1 }),
  serviceId: ServiceId,
  /** The world revision this process was started for. */
  rev: Type.Integer({ minimum: 0 }),
  listen: Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) }, strict),
  identity: Identity,
  peers: Type.Array(Peer),
  /** SPIFFE ids allowed to call this service (from its incoming links). */
  allowedCallers: Type.Array(Type.String()),
  hopBudget: Type.Integer({ minimum: 1, maximum: 64 }),
  telemetry: TelemetryTarget,
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
export const SpawnConfig = Type.Union([ClientSpawnConfig, ServiceSpawnConfig]);
export type SpawnConfig = Static<typeof SpawnConfig>;
