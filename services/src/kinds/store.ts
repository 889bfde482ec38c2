// A store: a key-value store its linked callers use over mutual TLS. GET /kv/<key> answers the value's bytes (404
// when it is not there), PUT /kv/<key> writes the body (200, or 201 for a new key) once it is on disk, DELETE
// /kv/<key> removes it once that is on disk. Limits answer 413 (a value too large) and 507 (the store is full).
// Its data lives in its data directory (an append-only log, ../durable/key-value.ts) and survives restarts and
// redeploys. The controller may list its keys, read a value and clear it all (KIND_CONTROL).
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_STORE_MAX_BYTES,
  DEFAULT_STORE_MAX_KEYS,
  DEFAULT_STORE_MAX_VALUE_BYTES,
  KIND_CONTROL,
  MAX_KEY_BYTES,
  MAX_KEYS_PER_PAGE,
  MAX_VALUE_PREVIEW_BYTES,
  type SpawnConfigOf,
  STORE_KEY_PREFIX,
  type StoreKeyList,
  type StoreValue,
} from '@dw/world';
import type { Answer, InboundRequest } from '../behaviour.js';
import { type KeyValueLimits, KeyValueStore, LimitError } from '../durable/key-value.js';
import { RateMeter } from '../durable/rate-meter.js';
import { defineKindRuntime } from './kind-runtime.js';

export function storeLimits(config: SpawnConfigOf<'store'>): KeyValueLimits {
  const b = config.behaviour;
  return {
    maxKeys: b.maxKeys ?? DEFAULT_STORE_MAX_KEYS,
    maxValueBytes: b.maxValueBytes ?? DEFAULT_STORE_MAX_VALUE_BYTES,
    maxBytes: b.maxBytes ?? DEFAULT_STORE_MAX_BYTES,
    maxKeyBytes: MAX_KEY_BYTES,
  };
}

const json = (status: number, body: Record<string, unknown>): Answer => ({ status, body });

/** The key a path names (/kv/<key, URL-encoded>), or why it names none. */
export function keyOf(url: string, prefix = STORE_KEY_PREFIX): { key: string } | { problem: string } {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.startsWith(prefix)) return { problem: `keys are at ${prefix}<key>, not ${path.slice(0, 100)}` };
  let key: string;
  try {
    key = decodeURIComponent(path.slice(prefix.length));
  } catch {
    return { problem: 'the key is not valid URL encoding' };
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > MAX_KEY_BYTES) return { problem: `a key is 1 to ${MAX_KEY_BYTES} bytes, not ${bytes}` };
  return { key };
}

/** The store's answers to its linked callers, and its figures. */
export class StoreFront {
  private readonly reads = new RateMeter();
  private readonly writes = new RateMeter();
  private readonly ops = new RateMeter();

  constructor(
    private readonly store: KeyValueStore,
    private readonly serviceId: string,
  ) {}

  async handle(request: InboundRequest): Promise<Answer> {
    const started = performance.now();
    const target = keyOf(request.url);
    if ('problem' in target) {
      return json(request.url === '/' ? 405 : 404, {
        error: 'no-key',
        message: `store "${this.serviceId}" answers GET/PUT/DELETE ${STORE_KEY_PREFIX}<key>: ${target.problem}`,
      });
    }
    const { key } = target;
    let answer: Answer;
    switch (request.method) {
      case 'GET': {
        const value = this.store.get(key);
        this.reads.add();
        answer = value
          ? { status: 200, body: {}, bytes: value }
          : json(404, { error: 'not-found', message: `no key ${JSON.stringify(key)}` });
        break;
      }
      case 'PUT': {
        try {
          const value = request.body ?? Buffer.alloc(0);
          const how = await this.store.put(key, value);
          this.writes.add();
          answer = json(how === 'created' ? 201 : 200, { ok: true, key, bytes: value.length });
        } catch (error) {
          if (error instanceof LimitError) answer = json(error.status, { error: error.code, message: error.message });
          else answer = json(507, { error: 'not-stored', message: `not written: ${(error as Error).message}` });
        }
        break;
      }
      case 'DELETE': {
        try {
          const deleted = await this.store.delete(key);
          if (deleted) this.writes.add();
          answer = json(200, { ok: true, key, deleted });
        } catch (error) {
          answer = json(507, { error: 'not-stored', message: `not deleted: ${(error as Error).message}` });
        }
        break;
      }
      default:
        answer = json(405, {
          error: 'method-not-allowed',
          message: `a key takes GET, PUT or DELETE, not ${request.method}`,
        });
    }
    this.ops.add(performance.now() - started);
    return answer;
  }

  gauges() {
    return [
      { name: 'keys', value: this.store.size },
      { name: 'bytes', value: this.store.bytes },
      { name: 'readsPerSec', value: this.reads.perSec() },
      { name: 'writesPerSec', value: this.writes.perSec() },
      { name: 'latencyMs', value: this.ops.mean() },
    ];
  }

  keys(query: URLSearchParams): StoreKeyList {
    const limit = Math.min(MAX_KEYS_PER_PAGE, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    const after = query.get('after') ?? undefined;
    return { ...this.store.keys(after, limit), total: this.store.size };
  }

  value(key: string): StoreValue | null {
    const value = this.store.get(key);
    if (!value) return null;
    const shown = value.subarray(0, MAX_VALUE_PREVIEW_BYTES);
    const text = new TextDecoder('utf-8', { fatal: true });
    let decoded: string | null;
    try {
      decoded = text.decode(shown);
    } catch {
      decoded = null;
    }
    return {
      key,
      bytes: value.length,
      encoding: decoded === null ? 'base64' : 'utf8',
      value: decoded ?? shown.toString('base64'),
      truncated: value.length > shown.length,
    };
  }
}

export const storeRuntime = defineKindRuntime({
  kind: 'store',
  async prepare({ config, log }) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const store = await KeyValueStore.open(config.dataDir, storeLimits(config));
    const { records, cutBytes } = store.recovered;
    log.info(
      `store log: ${records} record(s) read, ${store.size} key(s), ${store.bytes} byte(s)` +
        (cutBytes > 0 ? `; ${cutBytes} byte(s) of a torn last record cut off` : ''),
    );
    return store;
  },
  create({ config }, store: KeyValueStore) {
    const front = new StoreFront(store, config.serviceId);
    return {
      readsBody: true,
      behaviour: (_hops, _ctx, request) => front.handle(request),
      gauges: () => front.gauges(),
      async control(request) {
        if (request.method === 'GET' && request.path === KIND_CONTROL.keys) return json(200, front.keys(request.query));
        if (request.method === 'GET' && request.path.startsWith(KIND_CONTROL.keyPrefix)) {
          const target = keyOf(request.path, KIND_CONTROL.keyPrefix);
          if ('problem' in target) return json(400, { error: 'bad-key', message: target.problem });
          const value = front.value(target.key);
          return value
            ? json(200, value)
            : json(404, { error: 'not-found', message: `no key ${JSON.stringify(target.key)}` });
        }
        if (request.method === 'POST' && request.path === KIND_CONTROL.clear) {
          return json(200, { removed: await store.clear() });
        }
        return null;
      },
      stop: () => store.close(),
      describe: () => `${store.size} key(s), ${store.bytes} byte(s) in ${config.dataDir}`,
    };
  },
});
