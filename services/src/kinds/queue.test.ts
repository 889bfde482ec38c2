// The queue as a real process (dist/main.js: build first) between a producer (this test, with a producer's
// identity, over mutual TLS) and a consumer in a process of its own that can be killed with SIGKILL.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROLLER_ID, type DeadLetterList, KIND_CONTROL } from '@dw/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Children, freePort, MAIN_JS, mtlsRequest, TelemetrySink, TestPki } from '../testing.js';
import { ConsumerProcess, durableConfig, gauge, MtlsClient, tempDataDir } from './durable-testing.js';

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`node build.mjs\` in services/ first`);
  pki = await TestPki.create('queue-world');
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

/** Starts a queue process; `consumerPort` is where its one consumer ("worker") listens (or will). */
async function startQueue(opts: { port: number; consumerPort: number; dataDir: string; behaviour?: object }) {
  const files = await pki.identity('orders-q');
  const child = children.spawn(
    durableConfig(pki, files, sink, {
      serviceId: 'orders-q',
      kind: 'queue',
      port: opts.port,
      dataDir: opts.dataDir,
      peers: [{ linkId: 'q1', id: 'worker', url: `https://127.0.0.1:${opts.consumerPort}` }],
      allowedCallers: [pki.spiffe('producer')],
      behaviour: { backoffMs: 50, deliveryTimeoutMs: 2000, ...opts.behaviour },
    }),
  );
  const pid = child.proc.pid;
  await until('the queue to be ready', () => sink.of('orders-q').some((b) => b.pid === pid && b.ready));
  return child;
}

async function producer(port: number) {
  const client = new MtlsClient(port, 'orders-q', await pki.identity('producer'));
  cleanups.push(() => client.close());
  return client;
}

/**
 * Publishes `bodies` with a few in flight at once; returns the bodies acknowledged with 202 (also pushed to
 * `acked` as they are). Stops at the first publish that gets no answer (the queue is gone).
 */
async function publishAll(client: MtlsClient, bodies: string[], inFlight = 8, acked: string[] = []): Promise<string[]> {
  const mine: string[] = [];
  let next = 0;
  let gone = false;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < bodies.length && !gone) {
        const body = bodies[next++] as string;
        const reply = await client.request('POST', '/', body);
        if (reply === null) gone = true;
        else if (reply.status === 202) {
          mine.push(body);
          acked.push(body);
        }
      }
    }),
  );
  return mine;
}

/** A consumer process, killed when the test ends. */
async function consumerAt(port: number, failPrefix?: string, delayMs = 0): Promise<ConsumerProcess> {
  const consumer = new ConsumerProcess(port, await pki.identity('worker'), failPrefix, delayMs);
  cleanups.push(() => consumer.kill());
  await consumer.start();
  return consumer;
}

describe('a queue', () => {
  it('delivers every published message at least once across a SIGKILL of its consumer, and the depth shows it', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const [qPort, cPort] = [await freePort(), await freePort()];
    // it takes 30 ms to answer each delivery: when it dies, it has some it will never answer
    const first = await consumerAt(cPort, undefined, 30);
    await startQueue({ port: qPort, consumerPort: cPort, dataDir: data.dir });
    const client = await producer(qPort);

    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m-${from + i}`);
    const acked = await publishAll(client, batch(0, 150));
    await until('the first messages delivered', () => first.deliveries.length >= 100);
    // the consumer dies mid-stream: what it was handling is never answered
    await first.kill();
    const unanswered = first.deliveries.length;
    acked.push(...(await publishAll(client, batch(150, 150))));
    // nobody consumes: the depth grows to what was published since
    const depth = await until('the depth to grow', () => {
      const d = gauge(sink, 'orders-q', 'depth');
      return d !== undefined && d >= 150 ? d : undefined;
    });
    expect(depth).toBeGreaterThanOrEqual(150);
    await sleep(500);
    expect(gauge(sink, 'orders-q', 'deadLetters')).toBe(0); // a consumer that is down costs no attempt
    const second = await consumerAt(cPort);
    acked.push(...(await publishAll(client, batch(300, 100))));
    expect(acked).toHaveLength(400);
    const seen = () => new Set([...first.deliveries, ...second.deliveries].map((d) => d.body));
    await until('every acknowledged message delivered', () => acked.every((b) => seen().has(b)), 30_000);
    await until('the depth back to 0', () => gauge(sink, 'orders-q', 'depth') === 0);
    const all = [...first.deliveries, ...second.deliveries];
    const duplicates = all.length - seen().size;
    // at least once: every message arrived; the ones the dead consumer had and never answered arrived twice
    expect(seen().size).toBe(400);
    expect(duplicates).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(8); // at most its in-flight limit
    const again = second.deliveries.filter((d) => first.deliveries.some((f) => f.body === d.body));
    expect(again.length).toBe(duplicates);
    console.log(
      `queue at-least-once: 400 published, ${all.length} deliveries, ${duplicates} duplicate(s) (the consumer had seen ${unanswered} when killed)`,
    );
    // each delivery names its message and attempt
    expect(all.every((d) => /^\d+$/.test(d.id) && /^\d+$/.test(d.attempt))).toBe(true);
  }, 90_000);

  it('gives a message up after maxAttempts failed deliveries: a dead letter, listed for the controller', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const [qPort, cPort] = [await freePort(), await freePort()];
    const consumer = await consumerAt(cPort, 'poison');
    await startQueue({ port: qPort, consumerPort: cPort, dataDir: data.dir, behaviour: { maxAttempts: 3 } });
    const client = await producer(qPort);
    const acked = await publishAll(client, ['ok-1', 'poison-1', 'ok-2', 'poison-2', 'ok-3']);
    expect(acked).toHaveLength(5);
    await until('two dead letters', () => gauge(sink, 'orders-q', 'deadLetters') === 2);
    await until('the depth back to 0', () => gauge(sink, 'orders-q', 'depth') === 0);
    const attempts = (body: string) => consumer.deliveries.filter((d) => d.body === body).map((d) => d.attempt);
    expect(attempts('poison-1')).toEqual(['1', '2', '3']);
    expect(attempts('ok-2')).toEqual(['1']);
    const controller = new MtlsClient(qPort, 'orders-q', await pki.identity('ctl', { serviceId: CONTROLLER_ID }));
    cleanups.push(() => controller.close());
    const list = await controller.json<DeadLetterList>('GET', KIND_CONTROL.deadLetters);
    expect(list?.status).toBe(200);
    expect(list?.body.total).toBe(2);
    expect(list?.body.letters.map((l) => l.preview).sort()).toEqual(['poison-1', 'poison-2']);
    expect(list?.body.letters[0]).toMatchObject({ attempts: 3, reason: 'status 500 (attempt 3 of 3)', bytes: 8 });
    // a producer may not read them
    expect((await client.request('GET', KIND_CONTROL.deadLetters))?.status).toBe(405);
  }, 60_000);

  it('keeps every acknowledged message across a SIGKILL of the queue itself, in a loop', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const [qPort, cPort] = [await freePort(), await freePort()];
    const acked: string[] = [];
    let published = 0;
    for (let round = 0; round < 4; round++) {
      // no consumer yet: everything stays in the queue
      const queue = await startQueue({ port: qPort, consumerPort: cPort, dataDir: data.dir });
      const client = new MtlsClient(qPort, 'orders-q', await pki.identity('producer'));
      const bodies = Array.from({ length: 2000 }, (_, i) => `r${round}-${i}`);
      const mine: string[] = [];
      const publishing = publishAll(client, bodies, 16, mine);
      // mid-stream: some publishes acknowledged, some on their way, some half written
      await until('some acknowledged', () => mine.length >= 50 + round * 50);
      queue.proc.kill('SIGKILL');
      await publishing;
      await queue.exited;
      await client.close();
      acked.push(...mine);
      console.log(`round ${round}: ${mine.length} acknowledged before the kill`);
      published += bodies.length;
    }
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(published);
    const consumer = await consumerAt(cPort);
    await startQueue({ port: qPort, consumerPort: cPort, dataDir: data.dir });
    const seen = () => new Set(consumer.deliveries.map((d) => d.body));
    await until(
      'every acknowledged message delivered after the restarts',
      () => acked.every((b) => seen().has(b)),
      60_000,
    );
    console.log(
      `queue kill -9 x4: ${published} sent, ${acked.length} acknowledged, all delivered (${seen().size} distinct)`,
    );
  }, 120_000);

  it('refuses what its limits do not allow, saying which: 413 for a message too large, 507 when full', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const qPort = await freePort();
    // its consumer never answers (nothing listens there): what is published stays
    await startQueue({
      port: qPort,
      consumerPort: await freePort(),
      dataDir: data.dir,
      behaviour: { maxMessages: 3, maxMessageBytes: 2000, maxBytes: 2048 },
    });
    const client = await producer(qPort);
    const big = await client.json<{ error: string; message: string }>('POST', '/', 'x'.repeat(2001));
    expect(big).toMatchObject({ status: 413, body: { error: 'too-large' } });
    expect((await client.json('POST', '/', 'x'.repeat(1500)))?.status).toBe(202);
    const bytes = await client.json<{ error: string; message: string }>('POST', '/', 'x'.repeat(1000));
    expect(bytes?.status).toBe(507);
    expect(bytes?.body.message).toMatch(/holds 1500 of its 2048 bytes/);
    expect((await client.json('POST', '/', 'a'))?.status).toBe(202);
    expect((await client.json('POST', '/', 'b'))?.status).toBe(202);
    const full = await client.json<{ error: string; message: string }>('POST', '/', 'c');
    expect(full).toMatchObject({ status: 507, body: { error: 'queue-full' } });
    expect(full?.body.message).toMatch(/maximum of 3 messages/);
    // a linked caller may read its figures
    expect((await client.json('GET', '/'))?.body).toMatchObject({ queue: 'orders-q', depth: 3 });
    expect((await client.json('DELETE', '/'))?.status).toBe(405);
  }, 30_000);

  it('admits only its linked producers', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const qPort = await freePort();
    await startQueue({ port: qPort, consumerPort: await freePort(), dataDir: data.dir });
    const stranger = await pki.identity('stranger');
    const refused = await mtlsRequest(qPort, {
      servername: 'orders-q',
      ca: stranger.caPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    expect(refused.status).toBe(403);
    const noCert = await mtlsRequest(qPort, { servername: 'orders-q', ca: stranger.caPem });
    expect(noCert.status).toBeUndefined();
    await until('the refusal reported', () =>
      sink.of('orders-q').some((b) => b.refusals.some((r) => r.from === 'stranger' && r.reason === 'not-linked')),
    );
    expect(gauge(sink, 'orders-q', 'depth')).toBe(0);
  }, 30_000);
});
