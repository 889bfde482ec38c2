// A queue is a message broker, its own process with its own identity. Its linked callers (producers) publish:
// the body of a call is a message, answered 202 once it is on disk. Its consumers are the services it links to:
// it pushes each message to one of them (a work queue), at most `inFlightPerConsumer` at a time each, and removes
// it only when the consumer answers 2xx (at least once). A delivery that fails or times out is tried again after
// a backoff; after `maxAttempts` the message goes to the dead letters. A consumer that cannot be reached at all
// (stopped, partitioned) costs no attempt: its messages wait, and the depth grows.
import Type, { type Static } from 'typebox';
import { displayField, MAX_PAYLOAD_BYTES, nodeFields, restartField, strict } from '../node-parts.js';
import { durableSpawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';

export const MAX_QUEUE_MESSAGES = 1_000_000;
export const DEFAULT_QUEUE_MAX_MESSAGES = 10_000;
export const DEFAULT_QUEUE_MAX_MESSAGE_BYTES = 64 * 1024;
/** Bytes of messages a queue holds at most, by default, and at most (it keeps them in memory too). */
export const DEFAULT_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
export const MAX_QUEUE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_IN_FLIGHT_PER_CONSUMER = 8;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_QUEUE_BACKOFF_MS = 200;
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_DEAD_LETTERS = 1000;
/** The longest wait between two attempts of one message (and between probes of a consumer that is down). */
export const MAX_QUEUE_BACKOFF_MS = 30_000;

export const QueueConfig = Type.Object(
  {
    /** Messages it holds at most, waiting or in flight (default 10,000): a publish beyond it gets 507. */
    maxMessages: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUEUE_MESSAGES })),
    /** The largest message (default 64 KiB): a larger publish gets 413. */
    maxMessageBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAYLOAD_BYTES })),
    /** Bytes of messages it holds at most (default 64 MiB): a publish beyond it gets 507. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: MAX_QUEUE_BYTES })),
    /** Deliveries in flight to one consumer at most (default 8). */
    inFlightPerConsumer: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    /** Deliveries of one message that failed or timed out before it goes to the dead letters (default 5). */
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Wait before attempt n+1: backoffMs * 2^(n-1), at most 30 s (default 200 ms). */
    backoffMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUEUE_BACKOFF_MS })),
    /** A consumer that has not answered a delivery by then has failed it (default 5 s). */
    deliveryTimeoutMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 60_000 })),
    /** Dead letters kept (default 1,000); beyond it the oldest are dropped, and counted. */
    maxDeadLetters: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    /** Keep messages on disk, so they survive a restart of the queue (default true); false: in memory only. */
    durable: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type QueueConfig = Static<typeof QueueConfig>;

export const QueueNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('queue'), config: QueueConfig, ...restartField, ...displayField },
  strict,
);
export type QueueNode = Static<typeof QueueNode>;

/** The header a delivery carries its message's id in, and the attempt it is (1 for the first). */
export const MESSAGE_ID_HEADER = 'x-dw-message-id';
export const DELIVERY_ATTEMPT_HEADER = 'x-dw-delivery-attempt';

export const queue = defineKind({
  kind: 'queue',
  title: 'Queue',
  summary:
    'a message broker: its linked callers publish, and it delivers each message to one of the services it links to, at least once',
  config: QueueConfig,
  defaults: () => ({}),
  node: QueueNode,
  spawn: durableSpawnVariant('queue', QueueConfig),
  facts: {
    callable: true,
    linksGrant: true,
    replicas: { why: 'a queue is one process with one log: its messages would split between copies' },
    restart: true,
    identity: 'member',
    loadControl: false,
    compose: { runs: true },
    durable: true,
  },
  serves: () => true,
  trafficSource: () => false,
  composeImages:
    /(^|\/)(rabbitmq|nats|nats-streaming|kafka|cp-kafka|cp-server|redpanda|activemq|activemq-classic|activemq-artemis|artemis|pulsar|emqx|eclipse-mosquitto|mosquitto|nsq|elasticmq|beanstalkd)(:|@|$)/i,
  composeImagesAre: 'well-known message brokers',
  composeConsumers:
    /(^|[-_.])(workers?|consumers?|processors?|handlers?|listeners?|subscribers?|celery|sidekiq|jobs?|runners?|dispatchers?)([-_.0-9]|$)/i,
  fromCompose: () => ({}),
  gauges: [
    { name: 'depth', label: 'depth', unit: 'count', means: 'messages it holds: waiting, in flight or backing off' },
    { name: 'inFlight', label: 'in flight', unit: 'count', means: 'deliveries sent and not yet answered' },
    { name: 'publishPerSec', label: 'in', unit: 'perSec', means: 'messages published per second (last second)' },
    { name: 'deliverPerSec', label: 'out', unit: 'perSec', means: 'messages delivered (answered 2xx) per second' },
    { name: 'oldestMs', label: 'oldest', unit: 'ms', means: 'how long the oldest message it holds has waited' },
    { name: 'deadLetters', label: 'dead', unit: 'count', means: 'messages given up on after their last attempt' },
    { name: 'redelivered', label: 'retried', unit: 'count', means: 'deliveries sent again since it started' },
  ],
});
