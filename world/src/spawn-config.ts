// The config ONE service process receives: who it is, where it listens, whom it calls, who may call it.
// It knows nothing of the diagram. Passed as JSON in the DW_SPAWN_CONFIG environment variable, locally
// and in a container alike. Each kind's variant is made by its descriptor (kinds/), from spawn-common.ts.
import Type, { type Static } from 'typebox';
import { strict } from './node-parts.js';
import { Peer } from './spawn-common.js';

export {
  CredentialIdentity,
  DataDir,
  durableSpawnVariant,
  Identity,
  Peer,
  Renewal,
  spawnCommonFields,
  spawnVariant,
  TelemetryTarget,
} from './spawn-common.js';

export const SPAWN_CONFIG_ENV = 'DW_SPAWN_CONFIG';

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
