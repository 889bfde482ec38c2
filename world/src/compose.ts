// What the containers of an exported compose file receive besides their spawn config: the pki service's job and
// the observer's. Both travel as JSON in one environment variable, like DW_SPAWN_CONFIG.
import Type, { type Static } from 'typebox';
import { ServiceId, World } from './world.js';

const strict = { additionalProperties: false } as const;

/** The pki service: create the world CA in caDir (once), issue each service its leaf into issuedDir/<id>/. */
export const PKI_CONFIG_ENV = 'DW_PKI_CONFIG';
export const PkiConfig = Type.Object(
  {
    worldId: Type.String({ minLength: 1 }),
    services: Type.Array(ServiceId),
    caDir: Type.String({ minLength: 1 }),
    issuedDir: Type.String({ minLength: 1 }),
  },
  strict,
);
export type PkiConfig = Static<typeof PkiConfig>;

/** The observer: a controller that runs nothing, shows `world` and takes telemetry carrying `token`. */
export const OBSERVE_ENV = 'DW_OBSERVE';
export const ObserveConfig = Type.Object(
  {
    worldId: Type.String({ minLength: 1, maxLength: 80, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' }),
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
