// The world file: what a person draws. Types are derived from these schemas; nothing else re-declares them.
// Nodes come in kinds, each described once in ./kinds/ (its config, its facts); a world holds nodes and links.
import Type, { type Static } from 'typebox';
import { MAX_LINK_WEIGHT } from './call-policy.js';
import { LinkId, MAX_REPLICAS, ServiceId } from './ids.js';
import { replicasOf, WorldService } from './kinds/index.js';
import { strict } from './node-parts.js';
import { Scenario } from './scenario.js';

export const WORLD_VERSION = 1;
export const MAX_SERVICES = 500;
export const MAX_LINKS = 2000;
export const MAX_SCENARIOS = 50;
export const DEFAULT_HOP_BUDGET = 8;

// Every kind's own exports (its config type and schema) come through the registry, so a new kind adds no line here.
export * from './kinds/index.js';
export {
  Display,
  Latency,
  LatencyRange,
  latencyBounds,
  MAX_LATENCY_MS,
  MAX_PAYLOAD_BYTES,
  MAX_RPS,
  Position,
} from './node-parts.js';
export { LinkId, MAX_REPLICAS, ServiceId };

/** "allow" (the default): the link is a route and a permission. "deny": the caller calls, the callee refuses (403). */
export const LinkPolicy = Type.Union([Type.Literal('allow'), Type.Literal('deny')]);
export type LinkPolicy = Static<typeof LinkPolicy>;

export const Link = Type.Object(
  {
    id: LinkId,
    from: ServiceId,
    to: ServiceId,
    policy: Type.Optional(LinkPolicy),
    /** The share of calls this link gets when its caller calls in "weighted" mode (default 1). */
    weight: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_LINK_WEIGHT })),
  },
  strict,
);
export type Link = Static<typeof Link>;

export const DEFAULT_LEAF_LIFETIME_MINUTES = 24 * 60;
export const MAX_LEAF_LIFETIME_MINUTES = 7 * 24 * 60;

export const Settings = Type.Object(
  {
    hopBudget: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /**
     * How long a service's certificate is valid (default 24 h). Leaves are renewed at about two thirds of it,
     * in place, without dropping a request; minutes make renewal visible in a demonstration.
     */
    leafLifetimeMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LEAF_LIFETIME_MINUTES })),
  },
  strict,
);
export type Settings = Static<typeof Settings>;

export const World = Type.Object(
  {
    version: Type.Literal(WORLD_VERSION),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    settings: Type.Optional(Settings),
    services: Type.Array(WorldService, { maxItems: MAX_SERVICES }),
    links: Type.Array(Link, { maxItems: MAX_LINKS }),
    /** Timelines of faults with assertions, played in the browser or from the command line. */
    scenarios: Type.Optional(Type.Array(Scenario, { maxItems: MAX_SCENARIOS })),
  },
  strict,
);
export type World = Static<typeof World>;

export function leafLifetimeMsOf(world: World): number {
  return (world.settings?.leafLifetimeMinutes ?? DEFAULT_LEAF_LIFETIME_MINUTES) * 60_000;
}

/** True when the link's policy lets its caller in (no policy means allow); see linkGrants for the caller's side. */
export function linkAllows(link: Link): boolean {
  return link.policy !== 'deny';
}

/** How many processes a world runs: every copy of every node. */
export function processCountOf(world: World): number {
  return world.services.reduce((n, node) => n + replicasOf(node), 0);
}

export function hopBudgetOf(world: World): number {
  return world.settings?.hopBudget ?? DEFAULT_HOP_BUDGET;
}
