// Open connections under the current trust: a kept-alive connection is cut when its peer's certificate expires,
// while the others keep going. verifyChain in-process with real certificates; the cut with a real process of
// dist/main.js (build first: `cd services && node build.mjs`) and real kept-alive TLS clients on 127.0.0.1.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createCA, issueLeaf } from '@dw/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuerChanged } from './identity-reload.js';
import { parseBundle, verifyChain } from './peer-identity.js';
import { Children, freePort, MAIN_JS, mtlsRequest, spawnConfig, TelemetrySink, TestPki } from './testing.js';

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`node build.mjs\` in services/ first`);
  pki = await TestPki.create('trust-world');
  sink = await new TelemetrySink().start();
});
afterAll(async () => {
  await children.killAll();
  await sink?.close();
  pki?.cleanup();
});

describe('verifyChain', () => {
  it('follows the current trust: a leaf of a dropped CA or an expired one fails, with its reason', async () => {
    const oldCa = await createCA({ worldId: 'w' });
    const newCa = await createCA({ worldId: 'w' });
    const leaf = new X509Certificate((await issueLeaf(oldCa, { worldId: 'w', serviceId: 'a' })).certPem);
    const now = Date.now();
    const both = parseBundle(oldCa.certPem + newCa.certPem);
    expect(both).toHaveLength(2);
    expect(verifyChain([leaf], both, now)).toEqual({ ok: true, validUntil: Date.parse(leaf.validTo) });
    // The old CA itself in the presented chain does not make it trusted once the bundle drops it.
    expect(verifyChain([leaf, new X509Certificate(oldCa.certPem)], parseBundle(newCa.certPem), now)).toEqual({
      ok: false,
      reason: 'unknown-ca',
    });
    expect(verifyChain([leaf], both, Date.parse(leaf.validTo) + 1000)).toEqual({ ok: false, reason: 'expired' });
    // Same names, same subject, another key: not signed by the trusted CA.
    const forger = await createCA({ worldId: 'w' });
    const forged = new X509Certificate((await issueLeaf(forger, { worldId: 'w', serviceId: 'a' })).certPem);
    expect(verifyChain([forged], parseBundle(oldCa.certPem), now)).toEqual({ ok: false, reason: 'unknown-ca' });
  });
});

describe('issuerChanged (when a reload waits for the old pools to drain)', () => {
  it("is true only for a leaf of another CA: a rotation's second step, not a renewal or a new bundle", async () => {
    const oldCa = await createCA({ worldId: 'w' });
    const newCa = await createCA({ worldId: 'w' });
    const leaf = (ca: typeof oldCa) => issueLeaf(ca, { worldId: 'w', serviceId: 'a' });
    const first = await leaf(oldCa);
    const both = oldCa.certPem + newCa.certPem;
    const before = { cert: first.certPem, key: first.keyPem, ca: oldCa.certPem };
    const renewed = await leaf(oldCa);
    expect(issuerChanged(before, { cert: renewed.certPem, ca: oldCa.certPem })).toBe(false);
    expect(issuerChanged(before, { cert: first.certPem, ca: both })).toBe(false);
    const rotated = await leaf(newCa);
    expect(issuerChanged({ ...before, ca: both }, { cert: rotated.certPem, ca: both })).toBe(true);
    expect(issuerChanged({ ca: oldCa.certPem }, { ca: both })).toBe(false);
  });
});

interface Outcome {
  at: number;
  /** Which connection carried it (1 = the first this client opened). */
  connection: number;
  status?: number;
  error?: string;
}

/**
 * A caller that keeps ONE kept-alive connection busy: each request goes as soon as the last one was answered.
 * Records every outcome and when each of its connections closed.
 */
function busyCaller(port: number, identity: { certPem: string; keyPem: string; caPem: string }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const outcomes: Outcome[] = [];
  const closedAt: number[] = [];
  const sockets = new WeakMap<TLSSocket, number>();
  let opened = 0;
  let running = true;
  const one = () =>
    new Promise<Outcome>((resolve) => {
      let connection = 0;
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          servername: 'api',
          ca: identity.caPem,
          cert: identity.certPem,
          key: identity.keyPem,
          agent,
          timeout: 5000,
          headers: { 'content-length': '0' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ at: Date.now(), connection, status: res.statusCode ?? 0 }));
        },
      );
      req.on('socket', (socket: TLSSocket) => {
        let n = sockets.get(socket);
        if (n === undefined) {
          n = ++opened;
          sockets.set(socket, n);
          socket.once('close', () => closedAt.push(Date.now()));
        }
        connection = n;
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ at: Date.now(), connection, error: err.code ?? err.message }),
      );
      req.end();
    });
  const loop = (async () => {
    while (running) {
      const outcome = await one();
      outcomes.push(outcome);
      // A new connection that gets no answer at all (refused at the handshake) ends this caller.
      if (outcome.error !== undefined && !outcomes.some((o) => o.connection === outcome.connection && o.status)) break;
    }
  })();
  return {
    outcomes,
    closedAt,
    get opened() {
      return opened;
    },
    async stop() {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

describe('a kept-alive connection whose peer certificate expires', () => {
  it('is closed at its notAfter, busy as it is; a new handshake with it is refused; others keep going', async () => {
    const port = await freePort();
    const api = await pki.identity('api');
    children.spawn(
      spawnConfig(pki, api, sink, {
        serviceId: 'api',
        kind: 'service',
        port,
        allowedCallers: [pki.spiffe('short'), pki.spiffe('long')],
        behaviour: { latencyMs: 20 },
      }),
    );
    await sink.waitFor('api ready', () => sink.of('api').length > 0);
    // A leaf that expires about 4 s from now (valid since a minute ago), and one valid for a day.
    const short = await pki.identity('short', { notBefore: new Date(Date.now() - 60_000), validityMs: 64_000 });
    const long = await pki.identity('long');
    const notAfter = Date.parse(new X509Certificate(short.certPem).validTo);
    expect(notAfter - Date.now()).toBeGreaterThan(1000);

    const shortCaller = busyCaller(port, short);
    const longCaller = busyCaller(port, long);
    try {
      await sink.waitFor(
        'the short leaf connection to close',
        () => shortCaller.closedAt.length > 0,
        notAfter - Date.now() + 5000,
      );
      const closedAt = shortCaller.closedAt[0] as number;
      await sink.waitFor('the short caller to stop', () => shortCaller.outcomes.at(-1)?.error !== undefined, 5000);
      await sink.waitFor('the long caller to carry on after that', () =>
        longCaller.outcomes.some((o) => o.at > closedAt + 500),
      );

      // Cut at expiry (not before; TLS counts notAfter itself as valid), promptly after.
      expect(closedAt).toBeGreaterThan(notAfter);
      expect(closedAt - notAfter).toBeLessThan(2000);
      // Everything it sent before was served on that one connection; the request that met the cut (in flight,
      // or sent on the closing connection) is the only one not answered 200 on it, and the next connection is
      // refused at the handshake.
      const first = shortCaller.outcomes.filter((o) => o.connection === 1);
      expect(first.length).toBeGreaterThan(20);
      expect(first.slice(0, -1).every((o) => o.status === 200)).toBe(true);
      const later = shortCaller.outcomes.filter((o) => o.connection > 1);
      expect(later.map((o) => o.status ?? 'error')).toEqual(['error']);
      const refused = await mtlsRequest(port, {
        servername: 'api',
        ca: short.caPem,
        cert: short.certPem,
        key: short.keyPem,
      });
      expect(refused.status).toBeUndefined();
      // The still-valid caller: one connection throughout, every request answered 200.
      expect(longCaller.opened).toBe(1);
      expect(longCaller.outcomes.every((o) => o.status === 200)).toBe(true);
      // The service told why: the cut (from the caller it was) and the refused handshakes, as expired.
      const reported = (from: string | null) =>
        sink.of('api').some((b) => b.refusals.some((r) => r.from === from && r.reason === 'expired'));
      await sink.waitFor('the cut and the refused handshakes reported', () => reported('short') && reported(null));
      console.log(
        `[expiry] cut ${closedAt - notAfter} ms after notAfter; short caller: ${first.length} requests on its ` +
          `connection, then ${later[0]?.error}; long caller: ${longCaller.outcomes.length} requests, 1 connection`,
      );
    } finally {
      await Promise.all([shortCaller.stop(), longCaller.stop()]);
    }
  }, 30_000);
});
