// Renewal as compose runs it, without Docker: the real issuer bundle (dist/compose-pki.js) and real service
// processes (services/dist/main.js) on 127.0.0.1, with a leaf lifetime of one minute renewed at 15 % of it, so
// every member renews about 9 s after the issuer's first issuance -- under steady load that must not see a
// single failure. Then the issuer's refusals: a foreign certificate, no certificate, identities it does not renew.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import {
  CONTROLLER_ID,
  PKI_CONFIG_ENV,
  type PkiConfig,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
  type TelemetryBatch,
} from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundles } from '../testing/bundles.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { freePort, tempDir, waitFor } from '../testing/temp-app.js';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const issuerBundle = join(serverDir, 'dist/compose-pki.js');
const serviceBundle = createRequire(import.meta.url).resolve('@dw/services/main');
const WORLD = 'shop-renew1';
const LIFETIME_MS = 60_000;
const RENEW_AT = 0.15;
const TOKEN = 'renewal-test-token-0123456789';

beforeAll(() => {
  // rebuilt when a source is newer than the bundle: never test stale code
  ensureBundles(serverDir, ['dist/compose-pki.js']);
  ensureServiceRuntime();
}, 120_000);

interface Proc {
  child: ChildProcess;
  output: () => string;
}
const children: Proc[] = [];
let dir = '';
let sink: http.Server | undefined;
const batches: TelemetryBatch[] = [];

afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const proc = { child, output: () => output };
  children.push(proc);
  return proc;
}

/** One HTTPS request on a connection of its own (a full mutual handshake); the status and the served serial. */
function freshCall(port: number, identity: KeyPairPem, caPem: string) {
  return new Promise<{ status: number; serial: string } | { error: string }>((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'GET',
        servername: 'orders',
        cert: identity.certPem,
        key: identity.keyPem,
        ca: caPem,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, serial }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

/** The serial a plain TLS handshake sees. */
function servedSerial(port: number, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'orders', ca: caPem }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** POST /renew to the issuer with any credentials; the status (or the client's error) and the body. */
function askIssuer(port: number, caPem: string, identity: KeyPairPem | undefined, publicKeyPem: string) {
  return new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
    const body = JSON.stringify({ publicKeyPem });
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/renew',
        method: 'POST',
        servername: 'dw-pki',
        ca: caPem,
        ...(identity ? { cert: identity.certPem, key: identity.keyPem } : {}),
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

const newPublicKey = (curve = 'prime256v1') =>
  generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('compose renewal (issuer + service processes, no Docker)', () => {
  let issuerPort = 0;
  let config: PkiConfig & { issuedDir: string };
  let caPem = '';

  it('renews every member in place under load: no failed request, a new serial served afterwards', async () => {
    dir = await tempDir('dw-renewal-');
    issuerPort = await freePort();
    config = {
      worldId: WORLD,
      services: ['shopper', 'orders'],
      caDir: join(dir, 'ca'),
      issuedDir: join(dir, 'issued'),
      leafLifetimeMs: LIFETIME_MS,
      issuer: { name: 'dw-pki', port: issuerPort },
    };
    const issuer = run([issuerBundle], { [PKI_CONFIG_ENV]: JSON.stringify(config) });
    await waitFor('the issuer', () => (issuer.output().includes('issuer listening') ? true : undefined), 20_000, 50);
    caPem = readFileSync(join(config.caDir, 'ca.crt'), 'utf8');
    // A leaf is valid until issuance + lifetime (notBefore is back-dated by the clock skew).
    const issuedAt =
      Date.parse(new X509Certificate(readFileSync(join(config.issuedDir, 'orders/tls.crt'))).validTo) - LIFETIME_MS;

    sink = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        batches.push(JSON.parse(text));
        res.writeHead(204).end();
      });
    });
    sink.listen(0, '127.0.0.1');
    await new Promise((resolve) => sink?.once('listening', resolve));
    const telemetryUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/telemetry`;

    const ordersPort = await freePort();
    const member = (serviceId: string, rest: Partial<SpawnConfig>): SpawnConfig =>
      ({
        worldId: WORLD,
        serviceId,
        rev: 1,
        listen: { host: '127.0.0.1', port: serviceId === 'orders' ? ordersPort : 0 },
        identity: {
          certFile: join(config.issuedDir, serviceId, 'tls.crt'),
          keyFile: join(config.issuedDir, serviceId, 'tls.key'),
          caFile: join(config.issuedDir, serviceId, 'ca.crt'),
        },
        peers: [],
        allowedCallers: [],
        hopBudget: 8,
        telemetry: { url: telemetryUrl, token: TOKEN, intervalMs: 200 },
        renewal: {
          url: `https://127.0.0.1:${issuerPort}/renew`,
          serverName: 'dw-pki',
          lifetimeMs: LIFETIME_MS,
          renewAt: RENEW_AT,
        },
        ...rest,
      }) as SpawnConfig;
    const orders = run([serviceBundle], {
      [SPAWN_CONFIG_ENV]: JSON.stringify(
        member('orders', {
          kind: 'service',
          behaviour: { latencyMs: 1 },
          allowedCallers: [`spiffe://${WORLD}/shopper`],
        }),
      ),
    });
    await waitFor('orders to listen', () => (orders.output().includes('listening on') ? true : undefined), 20_000, 50);
    const shopper = run([serviceBundle], {
      [SPAWN_CONFIG_ENV]: JSON.stringify(
        member('shopper', {
          kind: 'client',
          behaviour: { rps: 40 },
          peers: [{ linkId: 'l1', id: 'orders', url: `https://127.0.0.1:${ordersPort}` }],
        }),
      ),
    });
    const serialBefore = await servedSerial(ordersPort, caPem);

    // Steady load beside the shopper's kept-alive pool: a fresh mutual handshake every 40 ms, as a caller whose
    // own leaf (the one first issued to shopper) stays valid throughout.
    const caller: KeyPairPem = {
      certPem: readFileSync(join(config.issuedDir, 'shopper/tls.crt'), 'utf8'),
      keyPem: readFileSync(join(config.issuedDir, 'shopper/tls.key'), 'utf8'),
    };
    const results: ({ status: number; serial: string } | { error: string })[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        results.push(await freshCall(ordersPort, caller, caPem));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    const renewed = /identity renewed in (\d+) ms: serial (\w+) -> (\w+)/;
    await waitFor(
      'both members to renew',
      () => (renewed.test(orders.output()) && renewed.test(shopper.output()) ? true : undefined),
      40_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 3000)); // load keeps flowing on the new identities
    loading = false;
    await load;

    const [, tookMs, from, to] = renewed.exec(orders.output()) ?? [];
    expect(from).toBe(serialBefore);
    const serialAfter = await servedSerial(ordersPort, caPem);
    expect(serialAfter).toBe(to);
    expect(serialAfter).not.toBe(serialBefore);

    const failed = results.filter((r) => 'error' in r || r.status !== 200);
    const serials = new Set(results.flatMap((r) => ('serial' in r ? [r.serial] : [])));
    expect(failed).toEqual([]);
    expect(serials).toEqual(new Set([serialBefore, serialAfter]));

    // The shopper's own calls (kept-alive pool, replaced on its renewal) as it reported them.
    const calls = batches.filter((b) => b.serviceId === 'shopper').flatMap((b) => b.calls);
    const sum = (k: 'requests' | 'errors' | 'refused') => calls.reduce((n, c) => n + c[k], 0);
    expect(sum('requests')).toBeGreaterThan(100);
    expect(sum('errors') + sum('refused')).toBe(0);
    // The only refusals: this test's own certificate-less probes (servedSerial).
    const refusals = batches.flatMap((b) => b.refusals);
    expect(refusals.filter((r) => r.reason !== 'no-certificate')).toEqual([]);

    // The files on disk: the new leaf and a key of this process's own making, 0600; nothing logged a key.
    const onDisk = new X509Certificate(readFileSync(join(config.issuedDir, 'orders/tls.crt')));
    expect(onDisk.serialNumber).toBe(serialAfter);
    const renewedAfterS = (Date.parse(onDisk.validTo) - LIFETIME_MS - issuedAt) / 1000;
    expect(renewedAfterS).toBeGreaterThanOrEqual(RENEW_AT * 60 - 1.5);
    expect(renewedAfterS).toBeLessThan(RENEW_AT * 60 + 5);
    expect(onDisk.subjectAltName).toBe(`DNS:orders, URI:spiffe://${WORLD}/orders`);
    expect(statSync(join(config.issuedDir, 'orders/tls.key')).mode & 0o777).toBe(0o600);
    for (const proc of [issuer, orders, shopper]) expect(proc.output()).not.toMatch(/PRIVATE KEY/);
    expect(issuer.output()).toMatch(/renewed orders: serial/);
    console.log(
      `[renewal] orders renewed ${renewedAfterS.toFixed(1)} s after issuance in ${tookMs} ms; ` +
        `${results.length} fresh-handshake requests + ${sum('requests')} pooled requests, ${failed.length} failed; ` +
        `serial ${serialBefore} -> ${serialAfter}`,
    );
  }, 60_000);

  it('refuses a foreign or forged certificate, no certificate, and identities it does not renew', async () => {
    const ca: KeyPairPem = {
      certPem: caPem,
      keyPem: readFileSync(join(config.caDir, 'ca.key'), 'utf8'),
    };
    // Same names, another CA: the handshake is refused (no HTTP at all; not a timeout, nor a port that is shut).
    const forgedCa = await createCA({ worldId: WORLD });
    const forged = await issueLeaf(forgedCa, { worldId: WORLD, serviceId: 'orders' });
    const refusedForged = await askIssuer(issuerPort, caPem, forged, newPublicKey());
    expect(refusedForged.status).toBeUndefined();
    expect(['ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA']).toContain(refusedForged.error);
    // No certificate: refused with TLS 1.3's "certificate required" alert, which names the reason.
    const none = await askIssuer(issuerPort, caPem, undefined, newPublicKey());
    expect(none.status).toBeUndefined();
    expect(none.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');

    // Leaves of the world CA that name nothing it renews: 403.
    for (const [worldId, serviceId, code] of [
      [WORLD, CONTROLLER_ID, 'not-a-service'],
      [WORLD, 'dw-pki', 'not-a-service'],
      [WORLD, 'payments', 'not-a-service'],
      ['other-world', 'orders', 'foreign-identity'],
    ] as const) {
      const leaf = await issueLeaf(ca, { worldId, serviceId });
      const answer = await askIssuer(issuerPort, caPem, leaf, newPublicKey());
      expect(answer.status, `${worldId}/${serviceId}`).toBe(403);
      expect(JSON.parse(answer.body ?? '{}').error).toBe(code);
    }

    // A member with a bad request: 400 for a key of another curve, its current key again, or no key.
    const orders = await issueLeaf(ca, { worldId: WORLD, serviceId: 'orders' });
    const p384 = await askIssuer(issuerPort, caPem, orders, newPublicKey('secp384r1'));
    expect([p384.status, JSON.parse(p384.body ?? '{}').error]).toEqual([400, 'bad-key']);
    const currentKey = new X509Certificate(orders.certPem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const same = await askIssuer(issuerPort, caPem, orders, currentKey);
    expect([same.status, JSON.parse(same.body ?? '{}').error]).toEqual([400, 'same-key']);
    const garbage = await askIssuer(issuerPort, caPem, orders, 'not a key');
    expect(garbage.status).toBe(400);

    // And the good case for comparison: exactly the caller's names, bound to the submitted key.
    const publicKeyPem = newPublicKey();
    const ok = await askIssuer(issuerPort, caPem, orders, publicKeyPem);
    expect(ok.status).toBe(200);
    const leaf = new X509Certificate(JSON.parse(ok.body ?? '{}').certPem);
    expect(leaf.subjectAltName).toBe(`DNS:orders, URI:spiffe://${WORLD}/orders`);
    expect(leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString()).toBe(publicKeyPem);
    expect(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)).toBe(LIFETIME_MS + 60_000);
  }, 30_000);
});
