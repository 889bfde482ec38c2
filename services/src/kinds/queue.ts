// A queue: its linked callers publish (the body of a call is a message: 202 once it is on disk), and it pushes
// each message to one of the services it links to (its consumers), at most `inFlightPerConsumer` at a time each.
// A message is removed only when its consumer answers 2xx. A delivery answered otherwise, or not answered in
// time, fails an attempt: the message waits backoffMs * 2^(attempts-1) and is tried again, and after maxAttempts
// it goes to the dead letters. A delivery that could not be sent at all (the consumer's port is closed, the link
// is partitioned) fails nothing: the message waits, the consumer is probed with one message at a time, at
// growing intervals (at most MAX_PROBE_INTERVAL_MS apart), and the depth grows until it answers again.
//
// A message's trace crosses the queue: the publish is the queue's server span; its wait is an internal span
// under it, from the publish to the delivery that succeeded (or the last one); each delivery is a client span
// under the wait, and the consumer's handling is under that.
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_IN_FLIGHT_PER_CONSUMER,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_DEAD_LETTERS,
  DEFAULT_QUEUE_BACKOFF_MS,
  DEFAULT_QUEUE_MAX_BYTES,
  DEFAULT_QUEUE_MAX_MESSAGE_BYTES,
  DEFAULT_QUEUE_MAX_MESSAGES,
  DELIVERY_ATTEMPT_HEADER,
  type DeadLetterList,
  type Gauge,
  KIND_CONTROL,
  MAX_KEYS_PER_PAGE,
  MAX_QUEUE_BACKOFF_MS,
  MESSAGE_ID_HEADER,
  type Peer,
  type SpawnConfigOf,
} from '@dw/world';
import type { Answer } from '../behaviour.js';
import type { Caller, Exchange } from '../caller.js';
import { type Message, MessageStore } from '../durable/message-store.js';
import { RateMeter } from '../durable/rate-meter.js';
import { newSpanId, nowMs, type Tracer } from '../tracing.js';
import { DRAIN_MS } from './drain.js';
import { type ControlRequest, defineKindRuntime } from './kind-runtime.js';

/** A min-heap of messages by id: the oldest ready message first, whatever order they came back in. */
class ReadyHeap {
  private readonly items: Message[] = [];

  get size(): number {
    return this.items.length;
  }

  push(m: Message): void {
    const a = this.items;
    a.push(m);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as Message).id <= m.id) break;
      a[i] = a[parent] as Message;
      i = parent;
    }
    a[i] = m;
  }

  pop(): Message | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const child = r < a.length && (a[r] as Message).id < (a[l] as Message).id ? r : l;
        if ((a[child] as Message).id >= last.id) break;
        a[i] = a[child] as Message;
        i = child;
      }
      a[i] = last;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

interface Consumer {
  peer: Peer;
  inFlight: number;
  /** No delivery goes to it before this (epoch ms) after it could not be reached or did not answer. */
  downUntil: number;
  /** Deliveries in a row it could not be sent or did not answer: it gets one at a time while > 0. */
  failures: number;
}

export interface QueueSettings {
  maxMessages: number;
  maxMessageBytes: number;
  maxBytes: number;
  inFlightPerConsumer: number;
  maxAttempts: number;
  backoffMs: number;
}

export function queueSettings(config: SpawnConfigOf<'queue'>): QueueSettings {
  const b = config.behaviour;
  return {
    maxMessages: b.maxMessages ?? DEFAULT_QUEUE_MAX_MESSAGES,
    maxMessageBytes: b.maxMessageBytes ?? DEFAULT_QUEUE_MAX_MESSAGE_BYTES,
    maxBytes: b.maxBytes ?? DEFAULT_QUEUE_MAX_BYTES,
    inFlightPerConsumer: b.inFlightPerConsumer ?? DEFAULT_IN_FLIGHT_PER_CONSUMER,
    maxAttempts: b.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoffMs: b.backoffMs ?? DEFAULT_QUEUE_BACKOFF_MS,
  };
}

const backoff = (base: number, n: number) => Math.min(MAX_QUEUE_BACKOFF_MS, base * 2 ** Math.max(0, n - 1));
/**
 * A consumer that is down is probed at growing intervals, but at least this often: a probe is one connection
 * attempt, and a consumer started again should be found within a moment, not after half a minute.
 */
export const MAX_PROBE_INTERVAL_MS = 2000;
const probeIn = (base: number, failures: number) => Math.min(MAX_PROBE_INTERVAL_MS, backoff(base, failures));

/** Publishing, delivering and their figures: the queue without its server. */
export class MessageQueue {
  private readonly ready = new ReadyHeap();
  /** Messages waiting out a backoff before their next attempt, with when; the earliest of those times. */
  private readonly delayed = new Map<Message, number>();
  private delayedNext = Number.POSITIVE_INFINITY;
  private readonly consumers: Consumer[];
  private turn = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  /** Publishes accepted and not yet on disk, and their bytes: held against the limits meanwhile. */
  private publishing = 0;
  private publishingBytes = 0;
  private stopped = false;
  private redelivered = 0;
  private readonly published = new RateMeter();
  private readonly delivered = new RateMeter();

  constructor(
    private readonly store: MessageStore,
    private readonly settings: QueueSettings,
    peers: readonly Peer[],
    private readonly caller: Caller,
    private readonly tracer: Tracer,
    private readonly serviceId: string,
  ) {
    this.consumers = peers.map((peer) => ({ peer, inFlight: 0, downUntil: 0, failures: 0 }));
    for (const m of store.messages.values()) this.ready.push(m);
  }

  /** A linked caller's message: on disk before this resolves (202), or refused (413, 507). */
  async publish(payload: Buffer, hops: number, trace: { traceId: string; spanId: string; sampled: boolean }) {
    const { maxMessages, maxMessageBytes } = this.settings;
    if (payload.length > maxMessageBytes) {
      return {
        status: 413,
        body: { error: 'too-large', message: `a message is at most ${maxMessageBytes} bytes, not ${payload.length}` },
      };
    }
    if (this.store.messages.size + this.publishing >= maxMessages) {
      return {
        status: 507,
        body: {
          error: 'queue-full',
          message: `queue "${this.serviceId}" holds its maximum of ${maxMessages} messages: its consumers are not keeping up`,
        },
      };
    }
    const { maxBytes } = this.settings;
    if (this.store.payloadBytes + this.publishingBytes + payload.length > maxBytes) {
      return {
        status: 507,
        body: {
          error: 'queue-full',
          message: `queue "${this.serviceId}" holds ${this.store.payloadBytes} of its ${maxBytes} bytes: a message of ${payload.length} bytes does not fit`,
        },
      };
    }
    const message: Message = {
      id: this.store.takeId(),
      publishedAt: nowMs(),
      hops,
      traceId: trace.traceId,
      parentSpan: trace.spanId,
      sampled: trace.sampled,
      waitSpan: newSpanId(),
      payload,
      attempts: 0,
      sent: 0,
    };
    this.publishing++;
    this.publishingBytes += payload.length;
    try {
      await this.store.publish(message, (m) => {
        this.published.add();
        if (!this.stopped) this.ready.push(m);
      });
    } catch (error) {
      return {
        status: 507,
        body: { error: 'not-stored', message: `the message could not be written: ${(error as Error).message}` },
      };
    } finally {
      this.publishing--;
      this.publishingBytes -= payload.length;
    }
    this.pump();
    return { status: 202, body: { ok: true, id: message.id } };
  }

  /** Sends what it can: the oldest ready messages, spread over the consumers with room. */
  pump(): void {
    if (this.stopped || this.consumers.length === 0) return;
    const now = Date.now();
    let progress = true;
    while (progress && this.ready.size > 0) {
      progress = false;
      for (let i = 0; i < this.consumers.length && this.ready.size > 0; i++) {
        const consumer = this.consumers[(this.turn + i) % this.consumers.length] as Consumer;
        const limit = consumer.failures > 0 ? 1 : this.settings.inFlightPerConsumer;
        if (consumer.inFlight >= limit || consumer.downUntil > now) continue;
        const message = this.ready.pop() as Message;
        if (!this.store.messages.has(message.id)) {
          progress = true; // cleared meanwhile
          continue;
        }
        this.deliver(consumer, message);
        progress = true;
      }
      this.turn = (this.turn + 1) % this.consumers.length;
    }
    this.schedule();
  }

  private deliver(consumer: Consumer, m: Message): void {
    if (m.hops - 1 <= 0) {
      this.giveUp(m, 'hop budget: it had no hop left to be delivered (is there a loop through the queue?)');
      return;
    }
    consumer.inFlight++;
    this.inFlight++;
    if (m.sent > 0) this.redelivered++;
    m.sent++;
    const exchange: Exchange = {
      method: 'POST',
      path: '/',
      headers: { [MESSAGE_ID_HEADER]: String(m.id), [DELIVERY_ATTEMPT_HEADER]: String(m.attempts + 1) },
      body: m.payload,
    };
    const started = nowMs();
    const ctx = { traceId: m.traceId, spanId: m.waitSpan, sampled: m.sampled };
    this.caller
      .call(consumer.peer, m.hops - 1, m.payload, ctx, exchange)
      .then(
        (outcome) => this.settled(consumer, m, started, outcome === 'ok', exchange),
        () => this.settled(consumer, m, started, false, exchange),
      )
      .catch(() => {});
  }

  private settled(consumer: Consumer, m: Message, started: number, ok: boolean, exchange: Exchange): void {
    consumer.inFlight--;
    this.inFlight--;
    const now = Date.now();
    if (!this.store.messages.has(m.id)) {
      // cleared while it was in flight
    } else if (ok) {
      consumer.failures = 0;
      consumer.downUntil = 0;
      this.store.ack(m.id);
      this.delivered.add();
      this.recordWait(m, started, 'ok');
    } else if (exchange.unsent) {
      // Nothing reached the consumer: no attempt is spent; it is probed again later, one message at a time.
      consumer.failures++;
      consumer.downUntil = now + probeIn(this.settings.backoffMs, consumer.failures);
      if (!this.stopped) this.ready.push(m);
    } else {
      m.attempts++;
      const reply = exchange.reply;
      // no answer at all (timed out, cut off): the consumer is unwell, so it is left alone for a while too
      if (!reply) {
        consumer.failures++;
        consumer.downUntil = now + probeIn(this.settings.backoffMs, consumer.failures);
      }
      const why = reply ? `status ${reply.status}` : 'no answer in time';
      if (m.attempts >= this.settings.maxAttempts) {
        this.giveUp(m, `${why} (attempt ${m.attempts} of ${this.settings.maxAttempts})`, started);
      } else if (!this.stopped) {
        const due = now + backoff(this.settings.backoffMs, m.attempts);
        this.delayed.set(m, due);
        if (due < this.delayedNext) this.delayedNext = due;
      }
    }
    this.pump();
  }

  private giveUp(m: Message, reason: string, lastStarted = nowMs()): void {
    this.store.kill(m, reason);
    this.recordWait(m, lastStarted, 'error');
  }

  /** The wait of a message, from its publish to the start of its last delivery. */
  private recordWait(m: Message, until: number, outcome: 'ok' | 'error'): void {
    if (!m.sampled) return;
    this.tracer.record({
      traceId: m.traceId,
      spanId: m.waitSpan,
      parentId: m.parentSpan === '' ? null : m.parentSpan,
      kind: 'internal',
      name: outcome === 'ok' ? 'waited in the queue' : `dead letter after ${m.attempts} attempt(s)`,
      service: this.serviceId,
      start: m.publishedAt,
      durationMs: Math.max(0, Math.round((until - m.publishedAt) * 1000) / 1000),
      status: outcome === 'ok' ? 200 : 0,
      outcome,
    });
  }

  /** One timer for the earliest due retry or consumer probe. */
  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    // the retries that are due go back to the ready ones (a scan only when one is due, not at every call)
    if (this.delayedNext <= now) {
      this.delayedNext = Number.POSITIVE_INFINITY;
      for (const [m, due] of this.delayed) {
        if (due <= now) {
          this.delayed.delete(m);
          if (this.store.messages.has(m.id)) this.ready.push(m);
          next = now;
        } else if (due < this.delayedNext) this.delayedNext = due;
      }
    }
    if (this.delayedNext < next) next = this.delayedNext;
    if (this.ready.size > 0) {
      for (const c of this.consumers) if (c.downUntil > now && c.downUntil < next) next = c.downUntil;
    }
    if (next === now) {
      setImmediate(() => this.pump());
      return;
    }
    if (next === Number.POSITIVE_INFINITY || next >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, next - now),
    );
    this.timer.unref();
  }

  gauges(): Gauge[] {
    const first = this.store.messages.values().next();
    const oldest = first.done ? 0 : Math.max(0, Math.round(nowMs() - first.value.publishedAt));
    return [
      { name: 'depth', value: this.store.messages.size },
      { name: 'inFlight', value: this.inFlight },
      { name: 'publishPerSec', value: this.published.perSec() },
      { name: 'deliverPerSec', value: this.delivered.perSec() },
      { name: 'oldestMs', value: oldest },
      { name: 'deadLetters', value: this.store.dead.length },
      { name: 'redelivered', value: this.redelivered },
    ];
  }

  deadLetters(limit: number): DeadLetterList {
    return {
      letters: this.store.dead.slice(-limit).reverse(),
      total: this.store.dead.length,
      dropped: this.store.deadDropped,
    };
  }

  async clear(): Promise<number> {
    this.ready.clear();
    this.delayed.clear();
    this.delayedNext = Number.POSITIVE_INFINITY;
    return this.store.clear();
  }

  /** Stops delivering; waits (bounded) for deliveries in flight, then closes the log. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (let waited = 0; this.inFlight > 0 && waited < DRAIN_MS; waited += 20) await sleep(20);
    await this.store.close();
  }
}

function json(status: number, body: Record<string, unknown>): Answer {
  return { status, body };
}

export const queueRuntime = defineKindRuntime({
  kind: 'queue',
  // Deliveries time out as the world says; the queue retries them itself (attempts, backoff, dead letters).
  callPolicy: (config) => ({ timeoutMs: config.behaviour.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS }),
  async prepare({ config, log }) {
    const durable = config.behaviour.durable !== false;
    if (durable) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const store = await MessageStore.open({
      dir: durable ? config.dataDir : null,
      maxDeadLetters: config.behaviour.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS,
    });
    const { records, cutBytes } = store.recovered;
    if (durable) {
      log.info(
        `queue log: ${records} record(s) read, ${store.messages.size} message(s) held, ${store.dead.length} dead letter(s)` +
          (cutBytes > 0 ? `; ${cutBytes} byte(s) of a torn last record cut off` : ''),
      );
    }
    return store;
  },
  create({ config, caller, tracer }, store: MessageStore) {
    const queue = new MessageQueue(store, queueSettings(config), config.peers, caller, tracer, config.serviceId);
    return {
      readsBody: true,
      behaviour: async (hops, ctx, request) => {
        if (request.method === 'POST') return queue.publish(request.body ?? Buffer.alloc(0), hops, ctx);
        if (request.method === 'GET' && (request.url === '/' || request.url.startsWith('/?'))) {
          const gauges = Object.fromEntries(queue.gauges().map((g) => [g.name, g.value]));
          return json(200, { queue: config.serviceId, ...gauges });
        }
        return json(405, {
          error: 'method-not-allowed',
          message: `queue "${config.serviceId}" takes POST (publish: the body is the message), not ${request.method}`,
        });
      },
      gauges: () => queue.gauges(),
      async control(request: ControlRequest) {
        if (request.method === 'GET' && request.path === KIND_CONTROL.deadLetters) {
          const limit = Math.min(MAX_KEYS_PER_PAGE, Math.max(1, Number(request.query.get('limit') ?? 100) || 100));
          return json(200, queue.deadLetters(limit));
        }
        if (request.method === 'POST' && request.path === KIND_CONTROL.clear) {
          return json(200, { removed: await queue.clear() });
        }
        return null;
      },
      start: () => queue.pump(),
      stop: () => queue.stop(),
      describe: () =>
        `${config.behaviour.durable === false ? 'in memory' : 'durable'}, ${store.messages.size} message(s) held, delivering to ${config.peers.length} consumer(s)`,
    };
  },
});
