// A gateway is the door from outside into a world: it listens on 127.0.0.1 (plain HTTP, or TLS with its own
// certificate), and forwards a request for /<service-id>/<rest> over mutual TLS, with its own identity, to that
// service when a link leads there; the answer comes back as it is. Anything else gets 404 and the routes it has.
import Type, { type Static } from 'typebox';
import { ClientCallPolicy } from '../call-policy.js';
import { displayField, nodeFields, restartField, strict } from '../node-parts.js';
import { Identity, spawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';

/** Where a gateway is published on the host in compose when its config names no port. */
export const DEFAULT_GATEWAY_PUBLISH_PORT = 8080;

export const GatewayConfig = Type.Object(
  {
    /** Serve the door over TLS with the gateway's certificate (no client certificate asked). Default: plain HTTP. */
    tls: Type.Optional(Type.Boolean()),
    /** The port published on 127.0.0.1 in compose (default 8080). Locally a free port is chosen. */
    publishPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** Timeout, retries and breaker of each forwarded call. */
    calls: Type.Optional(ClientCallPolicy),
  },
  strict,
);
export type GatewayConfig = Static<typeof GatewayConfig>;

export const GatewayNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('gateway'), config: GatewayConfig, ...restartField, ...displayField },
  strict,
);
export type GatewayNode = Static<typeof GatewayNode>;

/** The prefix of the door's own routes (what it forwards to, its health): never a service id ('_' is not allowed in one). */
export const GATEWAY_OWN_PREFIX = '/_gateway';

export const gateway = defineKind({
  kind: 'gateway',
  title: 'Gateway',
  summary: 'the door from outside: forwards /<service>/<path> from 127.0.0.1 to the services it links to',
  config: GatewayConfig,
  defaults: () => ({}),
  node: GatewayNode,
  spawn: spawnVariant('gateway', GatewayConfig, Identity),
  facts: {
    callable: { why: 'a gateway is the door from outside the world: nothing inside calls it' },
    linksGrant: true,
    replicas: { why: 'a gateway is one door, at one address' },
    restart: true,
    identity: 'member',
    loadControl: false,
    compose: { runs: true, publishesPort: true },
  },
  serves: () => true,
  trafficSource: () => false,
  publishPort: (config) => config.publishPort ?? DEFAULT_GATEWAY_PUBLISH_PORT,
  fromCompose: ({ publishedPorts }) => (publishedPorts[0] !== undefined ? { publishPort: publishedPorts[0] } : {}),
  composeImagesAre: 'well-known reverse proxies',
  composeImages: /(^|\/)(nginx|traefik|haproxy|envoy|caddy|kong)(:|@|$)|(^|\/)envoyproxy\/envoy/i,
});
