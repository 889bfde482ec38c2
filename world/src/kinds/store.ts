// A store is a key-value store, its own process with its own identity: its linked callers GET, PUT and DELETE
// keys (/kv/<key>) over mutual TLS. A write is answered once it is on disk (an append-only log, fsynced), so an
// acknowledged write survives a kill -9; the data lives in the world's data directory and survives restarts and
// redeploys, until the world is deleted or its data cleared. Services exercise it through their `store` config.
import Type, { type Static } from 'typebox';
import { displayField, MAX_PAYLOAD_BYTES, nodeFields, restartField, strict } from '../node-parts.js';
import { durableSpawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';

export const MAX_STORE_KEYS = 1_000_000;
/** The most a store may hold in values and keys together, 256 MiB: it keeps them in memory too. */
export const MAX_STORE_BYTES = 256 * 1024 * 1024;
/** A key is 1-256 bytes of UTF-8. */
export const MAX_KEY_BYTES = 256;
export const DEFAULT_STORE_MAX_KEYS = 100_000;
export const DEFAULT_STORE_MAX_VALUE_BYTES = 64 * 1024;
export const DEFAULT_STORE_MAX_BYTES = 64 * 1024 * 1024;
/** Where a store answers its keys: GET/PUT/DELETE /kv/<key, URL-encoded>. */
export const STORE_KEY_PREFIX = '/kv/';

export const StoreConfig = Type.Object(
  {
    /** Keys it holds at most (default 100,000): a PUT of a new key beyond it gets 507. */
    maxKeys: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STORE_KEYS })),
    /** The largest value (default 64 KiB): a larger PUT gets 413. */
    maxValueBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAYLOAD_BYTES })),
    /** Keys and values together at most (default 64 MiB): a PUT beyond it gets 507. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: MAX_STORE_BYTES })),
  },
  strict,
);
export type StoreConfig = Static<typeof StoreConfig>;

export const StoreNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('store'), config: StoreConfig, ...restartField, ...displayField },
  strict,
);
export type StoreNode = Static<typeof StoreNode>;

/**
 * How a service uses the stores it links to (its config's `store`): each call to a store is a GET with
 * probability `readShare`, a PUT with `writeShare`, a DELETE otherwise, of a key drawn evenly from `keys` keys
 * (key-0 ... key-<keys-1>); a PUT writes `valueBytes` bytes. A read of a key not there is a miss, not an error.
 */
export const StoreWorkload = Type.Object(
  {
    readShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    writeShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    keys: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STORE_KEYS })),
    valueBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAYLOAD_BYTES })),
  },
  strict,
);
export type StoreWorkload = Static<typeof StoreWorkload>;

/** A service's store workload when its config says nothing (or leaves a field out). */
export const DEFAULT_STORE_WORKLOAD: Required<StoreWorkload> = {
  readShare: 0.8,
  writeShare: 0.2,
  keys: 1000,
  valueBytes: 128,
};

export const store = defineKind({
  kind: 'store',
  title: 'Store',
  summary: 'a key-value store: its linked callers GET, PUT and DELETE keys; a write is answered once it is on disk',
  config: StoreConfig,
  defaults: () => ({}),
  node: StoreNode,
  spawn: durableSpawnVariant('store', StoreConfig),
  facts: {
    callable: true,
    linksGrant: true,
    replicas: { why: 'a store is one process with one log: its data would split between copies' },
    restart: true,
    identity: 'member',
    loadControl: false,
    compose: { runs: true },
    durable: true,
    namedToCallers: true,
  },
  serves: () => true,
  trafficSource: () => false,
  noLinksFrom: () => 'a store: it answers GET/PUT/DELETE of keys and calls no one, so it has no links of its own',
  composeImages:
    /(^|\/)(postgres|postgresql|postgis|timescaledb(-ha)?|mysql|mysql-server|mariadb|percona(-server)?|mongo|mongodb|redis|redis-stack(-server)?|valkey|keydb|dragonfly|memcached|cassandra|scylla|couchdb|couchbase(-server)?|cockroach|etcd|elasticsearch|opensearch|clickhouse(-server)?|influxdb|neo4j|minio|mssql-server|rethinkdb|arangodb)(:|@|$)/i,
  composeImagesAre: 'well-known databases and caches',
  fromCompose: () => ({}),
  gauges: [
    { name: 'keys', label: 'keys', unit: 'count', means: 'keys it holds' },
    { name: 'bytes', label: 'size', unit: 'bytes', means: 'bytes of keys and values it holds' },
    { name: 'readsPerSec', label: 'reads', unit: 'perSec', means: 'GETs answered per second (last second)' },
    { name: 'writesPerSec', label: 'writes', unit: 'perSec', means: 'PUTs and DELETEs made durable per second' },
    { name: 'latencyMs', label: 'latency', unit: 'ms', means: 'mean time to answer a GET/PUT/DELETE (writes: fsync)' },
  ],
});
