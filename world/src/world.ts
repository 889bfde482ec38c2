// The world file: what a person draws. Types are derived from these schemas; nothing else re-declares them.
import Type, { type Static } from 'typebox';
import { ClientCallPolicy, MAX_LINK_WEIGHT, RestartPolicy, ServiceCallPolicy } from './call-policy.js';
import { LinkId, ServiceId } from './ids.js';
import { Scenario } from './scenario.js';

const strict = { additionalProperties: false } as const;

export const WORLD_VERSION = 1;
export const MAX_SERVICES = 500;
export const MAX_LINKS = 2000;
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_LATENCY_MS = 60_000;
export const MAX_RPS = 1000;
export const DEFAULT_HOP_BUDGET = 8;

export { LinkId, ServiceId };

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

export const ClientNode = Type.Object(
  {
    id: ServiceId,
    kind: Type.Literal('client'),
    position: Position,
    config: ClientConfig,
    restart: Type.Optional(RestartPolicy),
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
  },
  strict,
);
export type ServiceNode = Static<typeof ServiceNode>;

/** One node of the diagram; `kind` decides the shape of `config`. */
export const WorldService = Type.Union([ClientNode, ServiceNode]);
export type WorldService = Static<typeof WorldService>;
export type ServiceKind = WorldService['kind'];
export const SERVICE_KINDS: readonly ServiceKind[] = ['client', 'service'];

export const Link = Type.Object(
  {
    id: LinkId,
    from: ServiceId,
    to: ServiceId,
    /** The share of calls this link gets when its caller calls in "weighted" mode (default 1). */
    weight: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_LINK_WEIGHT })),
  },
  strict,
);
export type Link = Static<typeof Link>;

export const Settings = Type.Object({ hopBudget: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })) }, strict);
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
}

const DEFAULT_CONFIGS: ConfigByKind = {
  client: { rps: 5 },
  service: { latencyMs: 5, errorRate: 0 },
};

/** A config with sensible values, so a node dropped on the canvas is ready to deploy. */
export function defaultConfig<K extends ServiceKind>(kind: K): ConfigByKind[K] {
  return { ...DEFAULT_CONFIGS[kind] };
}
