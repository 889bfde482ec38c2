// The config ONE service process receives: who it is, where it listens, whom it calls, who may call it.
// It knows nothing of the diagram. Passed as JSON in the DW_SPAWN_CONFIG environment variable, locally
// and in a container alike. Each kind's variant is made by its descriptor (kinds/), from spawn-common.ts.
import Type, { type Static } from 'typebox';
import { DEFAULT_CALL_TIMEOUT_MS } from './call-policy.js';
import { checkConfig, isKnownKind, KIND_LIST, kindOf, type SpawnConfig } from './kinds/index.js';
import { strict } from './node-parts.js';
import { describeValue, schemaProblems } from './schema-problems.js';
import { Peer } from './spawn-common.js';
import type { Validation } from './validate.js';

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

/**
 * From a service process over its IPC channel, once: it is ready (it listens, when its kind serves). The controller
 * counts it ready on this, without probing it or waiting for its first telemetry batch.
 */
export const ServiceReady = Type.Object({ type: Type.Literal('service:ready') }, strict);
export type ServiceReady = Static<typeof ServiceReady>;

/**
 * How long a process may take to answer a reload that gives it a leaf of a new CA (a rotation's second step):
 * it answers once its outbound calls on the old leaf are over, which its per-attempt timeout bounds.
 */
export function reloadDrainMs(config: SpawnConfig): number {
  const calls = (config.behaviour as { calls?: { timeoutMs?: number } }).calls;
  return (calls?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS) + 1000;
}

/**
 * The problems of a spawn config's shape: its kind's variant (kinds/), then its behaviour's own rules, each with
 * a JSON pointer into it. What a service checks at start (services/config.ts adds what a schema cannot say) and
 * what a test of an exported DW_SPAWN_CONFIG reads it with.
 */
export function checkSpawnConfig(value: unknown): Validation<SpawnConfig> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ pointer: '', message: 'a spawn config must be a JSON object' }] };
  }
  const { kind } = value as { kind?: unknown };
  if (!isKnownKind(kind)) {
    const names = KIND_LIST.map((k) => JSON.stringify(k.kind)).join(', ');
    return {
      ok: false,
      problems: [
        {
          pointer: '/kind',
          message: `must be one of ${names}, not ${kind === undefined ? 'nothing' : describeValue(kind)}`,
        },
      ],
    };
  }
  const descriptor = kindOf(kind);
  const problems = schemaProblems(descriptor.spawn, value, '', 'spawn config');
  const { behaviour } = value as { behaviour?: unknown };
  if (problems.length === 0 && behaviour !== null && typeof behaviour === 'object' && !Array.isArray(behaviour)) {
    problems.push(...checkConfig(descriptor, behaviour as Record<string, unknown>, '/behaviour'));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value as SpawnConfig };
}
