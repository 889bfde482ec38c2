// Real processes of dist/main.js (build first: `cd services && node build.mjs`), talking mutual TLS on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  CONTROLLER_ID,
  LOOP_STATUS,
  ServiceStats,
  SPAWN_CONFIG_ENV,
  type TelemetryBatch,
  TelemetryBatch as TelemetryBatchSchema,
} from '@dw/world';
import Value from 'typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS_PER_PEER } from './caller.js';
import { MAX_IN_FLIGHT_PER_LINK } from './client-load.js';
import { Children, freePort, MAIN_JS, mtlsRequest, spawnConfig, stop, TelemetrySink, TestPki } from './testing.js';

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`node build.mjs\` in services/ first`);
  pki = await TestPki.create('test-world');
  sink = await new TelemetrySink().start();
});
afterEach(async () => {
  await children.killAll();
  sink.batches.length = 0;
});
afterAll(async () => {
  await children.killAll();
  await sink?.close();
  pki?.cleanup();
});

function sum(batches: TelemetryBatch[], pick: (b: TelemetryBatch) => number): number {
  return batches.reduce((n, b) => n + pick(b), 0);
}
const callsOn = (linkId: string, field: 'requests' | 'errors' | 'refused') => (b: TelemetryBatch) =>
  b.calls.filter((c) => c.linkId === linkId).reduce((n, c) => n + c[field], 0);
const acceptedFrom = (from: string) => (b: TelemetryBatch) =>
  b.inbound.filter((i) => i.from === from).reduce((n, i) => n + i.accepted, 0);
const refusals = (serviceId: string) => sink.of(serviceId).flatMap((b) => b.refusals);

describe('a chain client -> a -> b', () => {
  it('carries traffic over both links and reports it in batches that agree', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const client = await pki.identity('client');
    const a = await pki.identity('a');
    const b = await pki.identity('b');
    const procB = children.spawn(
      spawnConfig(pki, b, sink, { serviceId: 'b', kind: 'service', port: pb, allowedCallers: [pki.spiffe('a')] }),
    );
    const procA = children.spawn(
      spawnConfig(pki, a, sink, {
        serviceId: 'a',
        kind: 'service',
        port: pa,
        peers: [{ linkId: 'l2', id: 'b', url: `https://127.0.0.1:${pb}` }],
        allowedCallers: [pki.spiffe('client')],
        behaviour: { latencyMs: { min: 0, max: 2 } },
      }),
    );
    await sink.waitFor('a and b ready', () => sink.of('a').length > 0 && sink.of('b').length > 0);
    const procClient = children.spawn(
      spawnConfig(pki, client, sink, {
        serviceId: 'client',
        kind: 'client',
        port: await freePort(),
        peers: [{ linkId: 'l1', id: 'a', url: `https://127.0.0.1:${pa}` }],
        behaviour: { rps: 100, payloadBytes: 512 },
      }),
    );
    await sink.waitFor(
      'calls on both links',
      () => sum(sink.of('client'), callsOn('l1', 'requests')) > 20 && sum(sink.of('a'), callsOn('l2', 'requests')) > 20,
    );

    // an open loop on a steady schedule: about 100 a second, in every window, not bursts
    await sink.waitFor('a second of load', () => sum(sink.of('client'), callsOn('l1', 'requests')) >= 100);
    // (calls count when they complete, so skip the first windows, where connections were still being made)
    const steady = sink
      .of('client')
      .filter((x) => x.calls.length > 0)
      .slice(2);
    // The rate counts every window from the third busy one on, empty ones too: leaving out the windows in which
    // nothing completed (a starved process on a busy machine) would overstate it.
    const all = sink.of('client');
    const thirdBusy = all.indexOf(steady[0] as (typeof all)[number]);
    const measured = all.slice(thirdBusy);
    const requests = sum(measured, callsOn('l1', 'requests'));
    const rate = (requests / sum(measured, (x) => x.windowMs)) * 1000;
    expect(rate).toBeGreaterThan(50);
    expect(rate).toBeLessThan(150);
    expect(steady.filter((x) => callsOn('l1', 'requests')(x) > 0).length).toBeGreaterThanOrEqual(steady.length * 0.8);
    for (const batch of sink.batches) expect(Value.Check(TelemetryBatchSchema, batch)).toBe(true);
    for (const id of ['client', 'a', 'b']) {
      const batches = sink.of(id);
      expect(batches[0]).toMatchObject({ seq: 0, ready: true, worldId: 'test-world', serviceId: id, rev: 1 });
      expect(batches.map((x) => x.seq)).toEqual(batches.map((_, i) => i));
    }
    // within one window, what b accepted from a is what a saw complete (a's count lags by in-flight calls)
    const aOut = sum(sink.of('a'), callsOn('l2', 'requests'));
    const bIn = sum(sink.of('b'), acceptedFrom('a'));
    const oneWindow = Math.max(...sink.of('a').map(callsOn('l2', 'requests')), ...sink.of('b').map(acceptedFrom('a')));
    expect(Math.abs(bIn - aOut), `b accepted ${bIn}, a completed ${aOut}`).toBeLessThanOrEqual(oneWindow + 5);

    // stop the load, let it drain, stop the services: every final batch arrives and the totals agree exactly
    expect(await stop(procClient)).toEqual({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(await stop(procA)).toEqual({ code: 0, signal: null });
    expect(await stop(procB)).toEqual({ code: 0, signal: null });
    const clientOut = sum(sink.of('client'), callsOn('l1', 'requests'));
    expect(sum(sink.of('client'), callsOn('l1', 'errors'))).toBe(0);
    expect(sum(sink.of('a'), callsOn('l2', 'errors'))).toBe(0);
    expect(sum(sink.of('a'), acceptedFrom('client'))).toBe(clientOut);
    expect(sum(sink.of('b'), acceptedFrom('a'))).toBe(sum(sink.of('a'), callsOn('l2', 'requests')));
    for (const id of ['client', 'a', 'b']) expect(refusals(id)).toEqual([]);
    expect(procA.output()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(procA.output()).not.toMatch(/PRIVATE KEY/);
  });

  it('sends a heartbeat about once a second when idle, never one message per request', async () => {
    const b = await pki.identity('b');
    children.spawn(spawnConfig(pki, b, sink, { serviceId: 'b', kind: 'service', port: await freePort() }));
    await sink.waitFor('two heartbeats', () => sink.of('b').length >= 3, 5000);
    const [, second, third] = sink.of('b');
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(900);
    expect(third!.at - second!.at).toBeLessThan(1300);
    expect(third).toMatchObject({ calls: [], inbound: [], refusals: [] });
  });
});

describe('client load', () => {
  it('caps requests in flight per link and counts the excess as errors instead of queueing', async () => {
    const client = await pki.identity('client');
    const a = await pki.identity('a');
    const pa = await freePort();
    children.spawn(
      spawnConfig(pki, a, sink, {
        serviceId: 'a',
        kind: 'service',
        port: pa,
        allowedCallers: [pki.spiffe('client')],
        behaviour: { latencyMs: 20_000 },
      }),
    );
    await sink.waitFor('a ready', () => sink.of('a').length > 0);
    children.spawn(
      spawnConfig(pki, client, sink, {
        serviceId: 'client',
        kind: 'client',
        port: await freePort(),
        peers: [{ linkId: 'l1', id: 'a', url: `https://127.0.0.1:${pa}` }],
        behaviour: { rps: 1000 },
      }),
    );
    await sink.waitFor('the cap to bite', () => sum(sink.of('client'), callsOn('l1', 'errors')) > 300);
    // nothing has completed (a answers after 20 s): every counted call is a tick over the cap of 256 in flight
    expect(sum(sink.of('client'), callsOn('l1', 'errors'))).toBe(sum(sink.of('client'), callsOn('l1', 'requests')));
    // a sees as many at once as the caller keeps connections to it; the rest of the 256 wait in the caller's pool
    const concurrent = Math.min(MAX_IN_FLIGHT_PER_LINK, MAX_CONNECTIONS_PER_PEER);
    await sink.waitFor('a to accept the calls', () => sum(sink.of('a'), acceptedFrom('client')) === concurrent);
    await new Promise((r) => setTimeout(r, 300));
    expect(sum(sink.of('a'), acceptedFrom('client'))).toBe(concurrent);
  });
});

describe('who may call a service', () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
  });

  async function startB() {
    const b = await pki.identity('b');
    const child = children.spawn(
      spawnConfig(pki, b, sink, { serviceId: 'b', kind: 'service', port, allowedCallers: [pki.spiffe('a')] }),
    );
    await sink.waitFor('b ready', () => sink.of('b').length > 0);
    return child;
  }

  it('answers a linked caller, refuses an unlinked one with 403 and reports it as not-linked', async () => {
    await startB();
    const a = await pki.identity('a');
    const c = await pki.identity('c');
    const stranger = await pki.identity('stranger', { worldId: 'other-world', serviceId: 'a' });
    const ok = await mtlsRequest(port, { servername: 'b', ca: a.caPem, cert: a.certPem, key: a.keyPem });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body!)).toEqual({ ok: true, serviceId: 'b' });

    const no = await mtlsRequest(port, { servername: 'b', ca: c.caPem, cert: c.certPem, key: c.keyPem });
    expect(no.status).toBe(403);
    expect(JSON.parse(no.body!)).toMatchObject({ error: 'not-linked' });
    const foreignWorld = await mtlsRequest(port, {
      servername: 'b',
      ca: c.caPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    expect(foreignWorld.status).toBe(403);

    await sink.waitFor('the refusals', () => refusals('b').length >= 2);
    expect(refusals('b')).toEqual(
      expect.arrayContaining([
        { from: 'c', reason: 'not-linked', count: 1 },
        { from: 'spiffe://other-world/a', reason: 'not-linked', count: 1 },
      ]),
    );
    await sink.waitFor('the accepted call', () => sum(sink.of('b'), acceptedFrom('a')) === 1);
  });

  it('lets the controller call only its probes', async () => {
    const child = await startB();
    const a = await pki.identity('a');
    const ctl = await pki.identity('controller', { serviceId: CONTROLLER_ID });
    await mtlsRequest(port, { servername: 'b', ca: a.caPem, cert: a.certPem, key: a.keyPem });
    const as = { servername: 'b', ca: ctl.caPem, cert: ctl.certPem, key: ctl.keyPem };

    const health = await mtlsRequest(port, { ...as, method: 'GET', path: '/_dw/health' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body!)).toEqual({ ok: true, serviceId: 'b', pid: child.proc.pid });

    const stats = await mtlsRequest(port, { ...as, method: 'GET', path: '/_dw/stats' });
    expect(stats.status).toBe(200);
    const body = JSON.parse(stats.body!);
    expect(Value.Check(ServiceStats, body)).toBe(true);
    expect(body).toMatchObject({ serviceId: 'b', pid: child.proc.pid, accepted: { a: 1 }, refused: 0, errors: 0 });
    // its own memory, for soaks: a V8 heap inside a larger resident set
    expect(body.memory.heapUsed).toBeGreaterThan(0);
    expect(body.memory.heapTotal).toBeGreaterThanOrEqual(body.memory.heapUsed);
    expect(body.memory.rss).toBeGreaterThan(body.memory.heapTotal);

    expect((await mtlsRequest(port, { ...as, method: 'POST', path: '/' })).status).toBe(403);
    expect((await mtlsRequest(port, { ...as, method: 'POST', path: '/_dw/health' })).status).toBe(403);
  });

  it('refuses handshakes without a certificate, from another CA, or expired, with no HTTP answer', async () => {
    await startB();
    const foreignPki = await TestPki.create('test-world');
    try {
      const foreign = await foreignPki.identity('a');
      const expired = await pki.identity('a-expired', {
        serviceId: 'a',
        notBefore: new Date(Date.now() - 48 * 3_600_000),
        validityMs: 3_600_000,
      });
      const ca = pki.ca.certPem;
      const none = await mtlsRequest(port, { servername: 'b', ca });
      const other = await mtlsRequest(port, { servername: 'b', ca, cert: foreign.certPem, key: foreign.keyPem });
      const old = await mtlsRequest(port, { servername: 'b', ca, cert: expired.certPem, key: expired.keyPem });
      for (const result of [none, other, old]) {
        expect(result.status).toBeUndefined();
        expect(result.error).toBeDefined();
      }
      await sink.waitFor('three handshake refusals', () => refusals('b').length >= 3);
      expect(refusals('b')).toEqual(
        expect.arrayContaining([
          { from: null, reason: 'no-certificate', count: 1 },
          { from: null, reason: 'unknown-ca', count: 1 },
          { from: null, reason: 'expired', count: 1 },
        ]),
      );
      expect(refusals('b')).toHaveLength(3);
    } finally {
      foreignPki.cleanup();
    }
  });

  it('does not count a port probe that connects and hangs up as a refusal', async () => {
    await startB();
    const { connect } = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end());
      socket.on('close', () => resolve());
    });
    const a = await pki.identity('a');
    await mtlsRequest(port, { servername: 'b', ca: a.caPem, cert: a.certPem, key: a.keyPem });
    await sink.waitFor('the accepted call', () => sum(sink.of('b'), acceptedFrom('a')) === 1);
    await new Promise((r) => setTimeout(r, 250));
    expect(refusals('b')).toEqual([]);
  });
});

describe('hop budget', () => {
  it('ends a loop a -> b -> a with 508 and reports it as hop-budget', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const client = await pki.identity('client');
    const a = await pki.identity('a');
    const b = await pki.identity('b');
    children.spawn(
      spawnConfig(pki, a, sink, {
        serviceId: 'a',
        kind: 'service',
        port: pa,
        hopBudget: 3,
        peers: [{ linkId: 'ab', id: 'b', url: `https://127.0.0.1:${pb}` }],
        allowedCallers: [pki.spiffe('client'), pki.spiffe('b')],
      }),
    );
    children.spawn(
      spawnConfig(pki, b, sink, {
        serviceId: 'b',
        kind: 'service',
        port: pb,
        hopBudget: 3,
        peers: [{ linkId: 'ba', id: 'a', url: `https://127.0.0.1:${pa}` }],
        allowedCallers: [pki.spiffe('a')],
      }),
    );
    await sink.waitFor('a and b ready', () => sink.of('a').length > 0 && sink.of('b').length > 0);
    const as = { servername: 'a', ca: client.caPem, cert: client.certPem, key: client.keyPem };

    // no header: the service's hop budget (3) -- a(3) -> b(2) -> a(1) -> b(0): 508, and 502 back up the chain
    const looped = await mtlsRequest(pa, as);
    expect(looped.status).toBe(502);
    await sink.waitFor('the hop-budget refusal', () => refusals('b').some((r) => r.reason === 'hop-budget'));
    expect(refusals('b')).toEqual([{ from: 'a', reason: 'hop-budget', count: 1 }]);
    await sink.waitFor('the failed call on b -> a', () => sum(sink.of('b'), callsOn('ba', 'errors')) === 1);
    // a called b twice: the inner call got 508, the outer one b's 502
    await sink.waitFor('both failed calls on a -> b', () => sum(sink.of('a'), callsOn('ab', 'errors')) === 2);

    const spent = await mtlsRequest(pa, { ...as, headers: { 'x-dw-hops': '0' } });
    expect(spent.status).toBe(LOOP_STATUS);
    expect(JSON.parse(spent.body!)).toMatchObject({ error: 'hop-budget' });
    await sink.waitFor('the refusal at a', () => refusals('a').some((r) => r.reason === 'hop-budget'));
    expect(refusals('a')).toEqual([{ from: 'client', reason: 'hop-budget', count: 1 }]);
  });
});

describe('lifecycle', () => {
  it('exits when its parent dies (the IPC channel closes)', async () => {
    const b = await pki.identity('b');
    const config = spawnConfig(pki, b, sink, { serviceId: 'b', kind: 'service', port: await freePort() });
    // a stand-in controller that forks the service with an IPC channel, reports its pid, and is then killed
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(MAIN_JS)}], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      process.stdout.write(String(child.pid) + '\\n');
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], {
      env: { ...process.env, [SPAWN_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d) => resolve(Number(d))));
      await sink.waitFor('the service ready', () => sink.of('b').some((x) => x.pid === pid));
      parent.kill('SIGKILL');
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await sink.waitFor('the orphan to exit', () => !alive(), 5000);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });

  it('exits 2 with a readable message on a bad spawn config', async () => {
    const b = await pki.identity('b');
    const good = spawnConfig(pki, b, sink, { serviceId: 'b', kind: 'service', port: 0 });
    const bad = { ...good, listen: { host: '127.0.0.1', port: 70000 }, peers: [{ linkId: 'x', id: 'B!', url: 'u' }] };
    const child = children.spawn(bad);
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.output()).toMatch(/invalid spawn config/);
    expect(child.output()).toMatch(/\/listen\/port/);
    expect(child.output()).toMatch(/\/peers\/0\/id/);

    const notJson = children.spawn(null, { raw: '{not json' });
    expect(await notJson.exited).toEqual({ code: 2, signal: null });
    expect(notJson.output()).toMatch(/DW_SPAWN_CONFIG is not JSON/);

    const noKey = children.spawn({ ...good, identity: { ...good.identity, keyFile: '/nonexistent/b.key' } });
    expect(await noKey.exited).toEqual({ code: 2, signal: null });
    expect(noKey.output()).toMatch(/\/identity\/keyFile: cannot read \/nonexistent\/b\.key: ENOENT/);
  });

  it('keeps serving when the controller is unreachable', async () => {
    const b = await pki.identity('b');
    const a = await pki.identity('a');
    const port = await freePort();
    const deadSink = { url: `http://127.0.0.1:${await freePort()}/api/telemetry` };
    const child = children.spawn(
      spawnConfig(pki, b, deadSink, { serviceId: 'b', kind: 'service', port, allowedCallers: [pki.spiffe('a')] }),
    );
    const undelivered = /telemetry: batch 0 not delivered, .*; will send it again/;
    await sink.waitFor('the service to log the undelivered batch', () => undelivered.test(child.output()));
    for (let i = 0; i < 3; i++) {
      const res = await mtlsRequest(port, { servername: 'b', ca: a.caPem, cert: a.certPem, key: a.keyPem });
      expect(res.status).toBe(200);
    }
    expect(child.output().match(/not delivered/g)).toHaveLength(1); // once, not once per attempt
    expect(await stop(child)).toEqual({ code: 0, signal: null });
  });
});
