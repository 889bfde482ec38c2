// The parts every node of the diagram is made of, whatever its kind: its place on the canvas, what it was
// imported from, how it is run. Kind descriptors (kinds/) build their node schemas from these.
import Type, { type Static } from 'typebox';
import { RestartPolicy } from './call-policy.js';
import { MAX_REPLICAS, ServiceId } from './ids.js';

export const strict = { additionalProperties: false } as const;

export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const MAX_LATENCY_MS = 60_000;
export const MAX_RPS = 1000;

export const Position = Type.Object({ x: Type.Number(), y: Type.Number() }, strict);
export type Position = Static<typeof Position>;

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

export const LatencyRange = Type.Object(
  {
    min: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }),
    max: Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }),
  },
  strict,
);

export const Latency = Type.Union([Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS }), LatencyRange]);
export type Latency = Static<typeof Latency>;

/** The latency a service adds to one request, drawn from its config. */
export function latencyBounds(latency: Latency | undefined): { min: number; max: number } {
  if (latency === undefined) return { min: 0, max: 0 };
  return typeof latency === 'number' ? { min: latency, max: latency } : latency;
}

/** Every node: its id (a DNS label, unique in its world) and its place on the canvas. */
export const nodeFields = { id: ServiceId, position: Position } as const;

/** A node imported from compose keeps what it came from. */
export const displayField = { display: Type.Optional(Display) } as const;

/** A node that runs as a supervised process: what happens when it exits (compose's names). */
export const restartField = { restart: Type.Optional(RestartPolicy) } as const;

/**
 * How many copies of it run (default 1), like the pods of one deployment: each its own process and port, all
 * with the node's identity; its callers spread their calls over them.
 */
export const replicasField = {
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICAS })),
} as const;
