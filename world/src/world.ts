// The world file: what a person draws. Types are derived from these schemas; nothing else re-declares them.
import Type, { type Static } from 'typebox';
import { ClientCallPolicy, MAX_LINK_WEIGHT, RestartPolicy, ServiceCallPolicy } from './call-policy.js';
import { LinkId, MAX_REPLICAS, ServiceId } from './ids.js';
import { Scenario } from './scenario.js';

const strict = { additionalProperties: false } as const;

export const WORLD_VERSION = 1;
export const MAX_SERVICES = 500;
export const MAX_LINKS = 2000;
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_LATENCY_MS = 60_000;
export const MAX_RPS = 1000;
export const DEFAULT_HOP_BUDGET = 8;

export { LinkId, MAX_REPLICAS, ServiceId };

export const Position = Type.Object({ x: Type.Number(), y: Type.Number() }, strict);
export type Position = Static<typeof Position>;

export const LatencyRange = Type.Object(
  {
    min: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }),
    max: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }),
  },
  strict,
);

export const Latency = Type.Union([Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }), LatencyRange]);
export type Latency = Static<typeof Latency>;

export const ClientConfig = Type.Object(
  {
    rps: Type.Number({ minimum: 0, maximum: MAX_RPS }),
    payloadBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAYLOAD_BYTES })),
    /** Calls in flight per link at most (default 256); a tick beyond it counts as a failed call, not queued. */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    /** Grows the rate linearly from `rps` to `toRps` over the first `overS` seconds, then holds it. */
    ramp: Type.Optional(
      Type.Object(
        {
          toRps: Type.Number({ minimum: 0, maximum: MAX_RPS }),
          overS: Type.Number({ minimum: 1, maximum: 3600 }),
        },
        strict,
      ),
    ),
    /** Timeout, retries and breaker of each link's calls. */
    calls: Type.Optional(ClientCallPolicy),
  },
  strict,
);
export type ClientConfig = Static<typeof ClientConfig>;

export const ServiceConfig = Type.Object(
  {
    latencyMs: Type.Optional(Latency),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** How it calls its links: mode, timeout, retries, breaker. */
    calls: Type.Optional(ServiceCallPolicy),
  },
  strict,
);
export type ServiceConfig = Static<typeof ServiceConfig>;

/**
 * What a node came from, shown and kept but never run: an imported compose service's image and published
 * ports. Optional; deploys ignore it.
 */
export const Display = Type.Object(
  {
    image: Type.Optional(Type.String({ maxLength: 300 })),
    ports: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 64 })),
  },
  strict,
);
export type Display = Static<typeof Display>;

/**
 * How an intruder attacks. It calls the services it links to (its links are routes, never permissions):
 * - no-cert: with no client certificate;
 * - foreign-ca: with a certificate from a CA outside the world;
 * - expired: with an expired certificate from the world's own CA;
 * - unlinked: with a valid identity of its own, where no allowing link leads;
 * - impostor: it calls no one; it serves in the name of `impersonates` with a certificate of its own identity,
 *   and the callers of that service are given its address as another place that service answers.
 */
export const IntruderMode = Type.Union([
  Type.Literal('no-cert'),
  Type.Literal('foreign-ca'),
  Type.Literal('expired'),
  Type.Literal('unlinked'),
  Type.Literal('impostor'),
]);
export type IntruderMode = Static<typeof IntruderMode>;
export const INTRUDER_MODES: readonly IntruderMode[] = ['no-cert', 'foreign-ca', 'expired', 'unlinked', 'impostor'];
export const MAX_INTRUDER_RPS = 20;

export const IntruderConfig = Type.Object(
  {
    mode: IntruderMode,
    /** impostor only: the id of the service it pretends to be. */
    impersonates: Type.Optional(ServiceId),
    /** Attempts per second on each of its links (default 2). */
    rps: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_INTRUDER_RPS })),
  },
  strict,
);
export type IntruderConfig = Static<typeof IntruderConfig>;

export const ClientNode = Type.Object(
  {
    id: ServiceId,
    kind: Type.Literal('client'),
    position: Position,
    config: ClientConfig,
    restart: Type.Optional(RestartPolicy),
    display: Type.Optional(Display),
  },
  strict,
);
export type ClientNode = Static<typeof ClientNode>;

export const ServiceNode = Type.Object(
  {
    id: ServiceId,
    kind: Type.Literal('service'),
    position: Position,
    config: ServiceConfig,
    restart: Type.Optional(RestartPolicy),
    /**
     * How many copies of it run (default 1), like the pods of one deployment: each its own process and port,
     * all with the service's identity; its callers spread their calls over them. Beside `restart` because both
     * say how the service is run, not what it does: changing the count starts or stops only the extra copies.
     */
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICAS })),
    display: Type.Optional(Display),
  },
  strict,
);
export type ServiceNode = Static<typeof ServiceNode>;

export const IntruderNode = Type.Object(
  { id: ServiceId, kind: Type.Literal('intruder'), position: Position, config: IntruderConfig },
  strict,
);
export type IntruderNode = Static<typeof IntruderNode>;

/** One node of the diagram; `kind` decides the shape of `config`. */
export const WorldService = Type.Union([ClientNode, ServiceNode, IntruderNode]);
export type WorldService = Static<typeof WorldService>;
export type ServiceKind = WorldService['kind'];
export const SERVICE_KINDS: readonly ServiceKind[] = ['client', 'service', 'intruder'];

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
    scenarios: Type.Optional(Type.Array(Scenario, { maxItems: 50 })),
  },
  strict,
);
export type World = Static<typeof World>;

export function leafLifetimeMsOf(world: World): number {
  return (world.settings?.leafLifetimeMinutes ?? DEFAULT_LEAF_LIFETIME_MINUTES) * 60_000;
}

/** True when the link lets its caller in (no policy means allow). */
export function linkAllows(link: Link): boolean {
  return link.policy !== 'deny';
}

/** How many copies of a node run: a service's `replicas` (default 1); clients and intruders run once. */
export function replicasOf(node: WorldService): number {
  return node.kind === 'service' ? (node.replicas ?? 1) : 1;
}

/** How many processes a world runs: every copy of every node. */
export function processCountOf(world: World): number {
  return world.services.reduce((n, node) => n + replicasOf(node), 0);
}

export function hopBudgetOf(world: World): number {
  return world.settings?.hopBudget ?? DEFAULT_HOP_BUDGET;
}

/** The latency a service adds to one request, drawn from its config. */
export function latencyBounds(latency: Latency | undefined): { min: number; max: number } {
  if (latency === undefined) return { min: 0, max: 0 };
  return typeof latency === 'number' ? { min: latency, max: latency } : latency;
}

export interface ConfigByKind {
  client: ClientConfig;
  service: ServiceConfig;
  intruder: IntruderConfig;
}

const DEFAULT_CONFIGS: ConfigByKind = {
  client: { rps: 5 },
  service: { latencyMs: 5, errorRate: 0 },
  intruder: { mode: 'no-cert', rps: 2 },
};

/** A config with sensible values, so a node dropped on the canvas is ready to deploy. */
export function defaultConfig<K extends ServiceKind>(kind: K): ConfigByKind[K] {
  return { ...DEFAULT_CONFIGS[kind] };
}
