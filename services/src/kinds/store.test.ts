// The store as a real process (dist/main.js: build first), called over mutual TLS by this test with a linked
// caller's identity, killed with SIGKILL in the middle of writes, and used by a real service's store workload.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROLLER_ID, KIND_CONTROL, MAX_PAYLOAD_BYTES, type StoreKeyList, type StoreValue } from '@dw/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Children, freePort, MAIN_JS, mtlsRequest, spawnConfig, TelemetrySink, TestPki } from '../testing.js';
import { durableConfig, gauge, MtlsClient, tempDataDir } from './durable-testing.js';

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`node build.mjs\` in services/ first`);
  pki = await TestPki.create('store-world');
  sink = await new TelemetrySink().start();
});
afterEach(async () => {
  await children.killAll();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  sink.batches.length = 0;
});
afterAll(async () => {
  await children.killAll();
  await sink?.close();
  pki?.cleanup();
});

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function startStore(port: number, dataDir: string, behaviour: object = {}) {
  const child = children.spawn(
    durableConfig(pki, await pki.identity('db'), sink, {
      serviceId: 'db',
      kind: 'store',
      port,
      dataDir,
      allowedCallers: [pki.spiffe('app')],
      behaviour,
    }),
  );
  const pid = child.proc.pid;
  await until('the store to be ready', () => sink.of('db').some((b) => b.pid === pid && b.ready));
  return child;
}

async function client(port: number, as = 'app', serviceId?: string): Promise<MtlsClient> {
  const c = new MtlsClient(port, 'db', await pki.identity(as, serviceId ? { serviceId } : {}));
  cleanups.push(() => c.close());
  return c;
}

describe('a store', () => {
  it('answers GET, PUT and DELETE of keys, with its limits said plainly', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    await startStore(port, data.dir, { maxKeys: 2, maxValueBytes: 16 });
    const app = await client(port);
    expect((await app.request('GET', '/kv/a'))?.status).toBe(404);
    expect((await app.json('PUT', '/kv/a', 'hello'))?.status).toBe(201);
    expect((await app.json('PUT', '/kv/a', 'hello again'))?.body).toEqual({ ok: true, key: 'a', bytes: 11 });
    const got = await app.request('GET', '/kv/a');
    expect(got?.status).toBe(200);
    expect(got?.body.toString()).toBe('hello again');
    expect((await app.json('PUT', `/kv/${encodeURIComponent('ü/x y')}`, 'z'))?.status).toBe(201);
    const full = await app.json<{ error: string; message: string }>('PUT', '/kv/c', 'z');
    expect(full?.status).toBe(507);
    expect(full?.body.message).toMatch(/maximum of 2 keys/);
    const large = await app.json<{ error: string }>('PUT', '/kv/a', 'x'.repeat(17));
    expect(large).toMatchObject({ status: 413, body: { error: 'too-large' } });
    // past what any mesh server reads: the server refuses it before the store sees it, and the sender gets that
    // answer, not a reset
    const huge = await app.json<{ error: string; message: string }>('PUT', '/kv/a', 'x'.repeat(MAX_PAYLOAD_BYTES + 1));
    expect(huge).toMatchObject({
      status: 413,
      body: { error: 'too-large', message: `bodies are at most ${MAX_PAYLOAD_BYTES} bytes` },
    });
    expect((await app.json('DELETE', '/kv/a'))?.body).toEqual({ ok: true, key: 'a', deleted: true });
    expect((await app.json('DELETE', '/kv/a'))?.body).toEqual({ ok: true, key: 'a', deleted: false });
    expect((await app.json('POST', '/'))?.status).toBe(405);
    expect((await app.json('GET', '/kv/'))?.status).toBe(404);
    // the controller lists keys and reads a value; a linked caller may not
    const ctl = await client(port, 'ctl', CONTROLLER_ID);
    const keys = await ctl.json<StoreKeyList>('GET', `${KIND_CONTROL.keys}?limit=10`);
    expect(keys?.body).toEqual({ keys: [{ key: 'ü/x y', bytes: 1 }], total: 1 });
    const value = await ctl.json<StoreValue>('GET', `${KIND_CONTROL.keyPrefix}${encodeURIComponent('ü/x y')}`);
    expect(value?.body).toEqual({ key: 'ü/x y', bytes: 1, encoding: 'utf8', value: 'z', truncated: false });
    expect((await app.request('GET', KIND_CONTROL.keys))?.status).toBe(404);
    expect((await ctl.json('POST', KIND_CONTROL.clear))?.body).toEqual({ removed: 1 });
    expect((await app.request('GET', `/kv/${encodeURIComponent('ü/x y')}`))?.status).toBe(404);
  }, 30_000);

  it('loses no acknowledged write across SIGKILL in the middle of writing, in a loop', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    /** key -> the value of its last acknowledged write */
    const acked = new Map<string, string>();
    /** key -> values sent after its last acknowledged write and never answered (cut by the kill): a write
     * that was not acknowledged may or may not have landed, so reading one of these instead is no loss. */
    const unanswered = new Map<string, Set<string>>();
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      const proc = await startStore(port, data.dir);
      const app = new MtlsClient(port, 'db', await pki.identity('app'));
      // 16 writers: new keys, and overwrites of keys written in earlier rounds
      let gone = false;
      let n = 0;
      let mine = 0;
      const writers = Array.from({ length: 16 }, async (_, w) => {
        while (!gone) {
          const i = n++;
          const key = i % 3 === 0 && acked.size > 0 ? `k${round - 1}-${i % 200}` : `k${round}-${i}`;
          const value = `v-${round}-${i}-${w}`;
          sent++;
          const reply = await app.request('PUT', `/kv/${key}`, value);
          if (reply === null) {
            gone = true;
            if (acked.has(key)) unanswered.set(key, (unanswered.get(key) ?? new Set()).add(value));
          } else if (reply.status === 200 || reply.status === 201) {
            acked.set(key, value);
            unanswered.delete(key);
            mine++;
          }
        }
      });
      // mid-stream: some writes acknowledged, some on their way, some half written
      await until('some writes acknowledged', () => mine >= 40 + round * 30);
      proc.proc.kill('SIGKILL');
      await Promise.all(writers);
      await proc.exited;
      await app.close();
    }
    await startStore(port, data.dir);
    const app = await client(port);
    const wrong: string[] = [];
    for (const [key, value] of acked) {
      const got = await app.request('GET', `/kv/${key}`);
      const read = got?.body.toString() ?? '';
      if (got?.status !== 200 || (read !== value && !unanswered.get(key)?.has(read))) {
        wrong.push(`${key}: ${got?.status} ${got?.body.toString()} (acknowledged ${value})`);
      }
    }
    console.log(
      `store kill -9 x6: ${sent} writes sent, ${acked.size} keys acknowledged, ${wrong.length} lost or stale`,
    );
    expect(acked.size).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
    const keys = await until('the key count in the gauges', () => gauge(sink, 'db', 'keys'));
    expect(keys).toBeGreaterThanOrEqual(acked.size);
  }, 120_000);

  it('admits only its linked callers', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const port = await freePort();
    await startStore(port, data.dir);
    const stranger = await pki.identity('stranger');
    const refused = await mtlsRequest(port, {
      servername: 'db',
      ca: stranger.caPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
      method: 'GET',
      path: '/kv/a',
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body as string)).toMatchObject({ error: 'not-linked' });
  }, 30_000);

  it('is read and written by a linked service through its store workload', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const [dbPort, appPort] = [await freePort(), await freePort()];
    await startStore(dbPort, data.dir);
    children.spawn(
      spawnConfig(pki, await pki.identity('app'), sink, {
        serviceId: 'app',
        kind: 'service',
        port: appPort,
        peers: [{ linkId: 's1', id: 'db', url: `https://127.0.0.1:${dbPort}`, kind: 'store' }],
        allowedCallers: [pki.spiffe('client')],
        behaviour: { latencyMs: 0, store: { readShare: 0.5, writeShare: 0.4, keys: 50, valueBytes: 64 } },
      }),
    );
    await until('app ready', () => sink.of('app').length > 0);
    children.spawn(
      spawnConfig(pki, await pki.identity('client'), sink, {
        serviceId: 'client',
        kind: 'client',
        port: await freePort(),
        peers: [{ linkId: 'c1', id: 'app', url: `https://127.0.0.1:${appPort}` }],
        behaviour: { rps: 100 },
      }),
    );
    const calls = () => sink.of('app').flatMap((b) => b.calls.filter((c) => c.linkId === 's1'));
    await until('200 calls to the store', () => calls().reduce((n, c) => n + c.requests, 0) >= 200);
    // reads of keys not written yet are misses, not errors
    expect(calls().reduce((n, c) => n + c.errors, 0)).toBe(0);
    const keys = await until('keys in the store', () => {
      const k = gauge(sink, 'db', 'keys');
      return k !== undefined && k > 10 ? k : undefined;
    });
    expect(keys).toBeLessThanOrEqual(50);
    expect(gauge(sink, 'db', 'bytes')).toBeGreaterThan(64 * 10);
    await until('reads and writes per second', () => (gauge(sink, 'db', 'readsPerSec') ?? 0) > 0);
    expect(gauge(sink, 'db', 'writesPerSec')).toBeGreaterThan(0);
  }, 60_000);
});
