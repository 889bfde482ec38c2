// A client generates requests: per link, an open loop at `rps`. The only source of a world's traffic besides
// intruders and what comes in through a gateway.
import Type, { type Static } from 'typebox';
import { ClientCallPolicy } from '../call-policy.js';
import { displayField, MAX_PAYLOAD_BYTES, MAX_RPS, nodeFields, restartField, strict } from '../node-parts.js';
import { Identity, spawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';

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

export const ClientNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('client'), config: ClientConfig, ...restartField, ...displayField },
  strict,
);
export type ClientNode = Static<typeof ClientNode>;

export const client = defineKind({
  kind: 'client',
  title: 'Client',
  summary: 'generates requests on each of its links at a steady rate',
  config: ClientConfig,
  defaults: () => ({ rps: 5 }),
  node: ClientNode,
  spawn: spawnVariant('client', ClientConfig, Identity),
  facts: {
    callable: { why: 'clients only send requests, they cannot be called' },
    linksGrant: true,
    replicas: { why: 'a client runs once: its rps already says how much load it makes' },
    restart: true,
    identity: 'member',
    loadControl: true,
    compose: { runs: true },
  },
  serves: () => true,
  trafficSource: () => true,
});
