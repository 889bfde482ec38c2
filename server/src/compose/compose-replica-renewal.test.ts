// Replicas of one compose service share one identity volume, and every copy renews it. Here four real service
// processes (services/dist/main.js) share one identity directory and renew from the real issuer
// (dist/compose-pki.js) with leaves of a few seconds, so they all renew at the same moment, round after round.
// Every copy must keep serving a certificate that matches its key (every fresh handshake succeeds), never load a
// mismatched pair (no failed renewal or reload), and the files must end as one matching pair.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { issueLeaf, type KeyPairPem } from '@dw/pki';
import { PKI_CONFIG_ENV, type PkiConfig, SPAWN_CONFIG_ENV, type SpawnConfig } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from '../testing/temp-app.js';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const issuerBundle = join(serverDir, 'dist/compose-pki.js');
const serviceBundle = createRequire(import.meta.url).resolve('@dw/services/main');
const WORLD = 'shop-replicas';
const REPLICAS = 5;
/**
 * Leaves of 20 s renewed at 15 %: a round every ~3 s, with 17 s left on the old leaf when a round is late (the
 * first one is, by as long as five processes take to start on a busy machine).
 */
const LIFETIME_MS = 20_000;
const RENEW_AT = 0.15;
const ROUNDS = 8;

beforeAll(() => {
  for (const [bundle, cwd] of [
    [issuerBundle, serverDir],
    [serviceBundle, join(serviceBundle, '../..')],
  ] as const) {
    if (existsSync(bundle)) continue;
    const built = spawnSync(process.execPath, ['build.mjs'], { cwd, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`could not build ${bundle}: ${built.stderr}`);
  }
}, 120_000);

interface Proc {
  child: ChildProcess;
  output: () => string;
}
const children: Proc[] = [];
let dir = '';
let sink: http.Server | undefined;

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

/** One request on a connection of its own (a full mutual handshake): the status and the served serial. */
function freshCall(port: number, identity: KeyPairPem, caPem: string) {
  return new Promise<{ status: number; serial: string } | { error: string }>((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        servername: 'orders',
        cert: identity.certPem,
        key: identity.keyPem,
        ca: caPem,
        agent: false,
        timeout: 5000,
        headers: { 'content-length': '0' },
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

const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ type: 'spki', format: 'der' });

describe('replicas sharing one identity directory (compose, no Docker)', () => {
  it('renew it at the same moment, round after round, and always serve a matching pair', async () => {
    dir = await tempDir('dw-replica-renewal-');
    const issuerPort = await freePort();
    const config: PkiConfig = {
      worldId: WORLD,
      services: ['shopper', 'orders'],
      caDir: join(dir, 'ca'),
      issuedDir: join(dir, 'issued'),
      leafLifetimeMs: LIFETIME_MS,
      issuer: { name: 'dw-pki', port: issuerPort },
    };
    const issuer = run([issuerBundle], { [PKI_CONFIG_ENV]: JSON.stringify(config) });
    await waitFor('the issuer', () => (issuer.output().includes('issuer listening') ? true : undefined), 20_000, 50);
    const caPem = readFileSync(join(config.caDir, 'ca.crt'), 'utf8');
    const ca: KeyPairPem = { certPem: caPem, keyPem: readFileSync(join(config.caDir, 'ca.key'), 'utf8') };
    // The probe's own identity, valid for the whole test.
    const caller = await issueLeaf(ca, { worldId: WORLD, serviceId: 'shopper' });

    sink = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    sink.listen(0, '127.0.0.1');
    await new Promise((resolve) => sink?.once('listening', resolve));
    const telemetryUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/telemetry`;

    // Every copy: the same identity files (one volume per service, as compose mounts it), its own port.
    const identityDir = join(config.issuedDir ?? '', 'orders');
    const first = new X509Certificate(readFileSync(join(identityDir, 'tls.crt'))).serialNumber;
    const ports: number[] = [];
    const replicas: Proc[] = [];
    for (let replica = 0; replica < REPLICAS; replica++) {
      const port = await freePort();
      ports.push(port);
      const spawnConfig: SpawnConfig = {
        worldId: WORLD,
        serviceId: 'orders',
        replica: replica + 1,
        rev: 1,
        kind: 'service',
        behaviour: { latencyMs: 1 },
        listen: { host: '127.0.0.1', port },
        identity: {
          certFile: join(identityDir, 'tls.crt'),
          keyFile: join(identityDir, 'tls.key'),
          caFile: join(identityDir, 'ca.crt'),
        },
        peers: [],
        allowedCallers: [`spiffe://${WORLD}/shopper`],
        hopBudget: 8,
        telemetry: { url: telemetryUrl, token: 'replica-renewal-token-0123456789', intervalMs: 500 },
        renewal: {
          url: `https://127.0.0.1:${issuerPort}/renew`,
          serverName: 'dw-pki',
          lifetimeMs: LIFETIME_MS,
          renewAt: RENEW_AT,
        },
      } as SpawnConfig;
      replicas.push(run([serviceBundle], { [SPAWN_CONFIG_ENV]: JSON.stringify(spawnConfig) }));
    }
    await waitFor(
      'every copy to listen',
      () => (replicas.every((r) => r.output().includes('listening on')) ? true : undefined),
      20_000,
      50,
    ).catch((error) => {
      throw new Error(`${error.message}\n${replicas.map((r) => r.output()).join('\n')}`);
    });

    // Fresh mutual handshakes to the copies in turn, all along.
    const results: ({ status: number; serial: string } | { error: string })[] = [];
    let probing = true;
    const probe = (async () => {
      for (let n = 0; probing; n++) {
        results.push(await freshCall(ports[n % REPLICAS] as number, caller, caPem));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const renewedOrTaken = /identity (renewed in \d+ ms|taken from another copy): serial \w+ -> \w+/g;
    const rounds = (proc: Proc) => proc.output().match(renewedOrTaken)?.length ?? 0;
    const failed = () => replicas.filter((r) => /renewal failed|reload .*failed|fatal/.test(r.output()));
    try {
      await waitFor(
        `${ROUNDS} renewals in every copy`,
        () => (replicas.every((r) => rounds(r) >= ROUNDS) || failed().length > 0 ? true : undefined),
        ROUNDS * LIFETIME_MS * RENEW_AT + 30_000,
        100,
      );
    } finally {
      probing = false;
      await probe;
    }

    // No copy failed to renew or to load what it read: nothing mismatched was ever put in use.
    expect(failed().map((r) => r.output().match(/.*(renewal failed|reload .*failed|fatal).*/)?.[0])).toEqual([]);
    for (const r of replicas) expect(r.child.exitCode).toBeNull();
    // Each copy wrote its own pairs in most rounds: they really renewed at the same moment.
    const written = replicas.map((r) => r.output().match(/identity renewed in/g)?.length ?? 0);
    expect(written.reduce((a, b) => a + b, 0)).toBeGreaterThan(ROUNDS * 2);

    // Every fresh handshake succeeded (a served certificate that did not match the served key could not), and
    // each served a leaf the issuer signed for orders.
    const errors = results.filter((r) => 'error' in r || r.status !== 200);
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(ROUNDS * REPLICAS);
    const issued = new Set([...issuer.output().matchAll(/renewed orders: serial (\w+)/g)].map((m) => m[1]));
    const served = new Set(results.flatMap((r) => ('serial' in r ? [r.serial] : [])));
    expect(served.size).toBeGreaterThan(ROUNDS);
    for (const serial of served) if (serial !== first) expect(issued.has(serial), serial).toBe(true);

    // The files hold one pair: the certificate's public key is the key's.
    const cert = new X509Certificate(readFileSync(join(identityDir, 'tls.crt')));
    const key = createPrivateKey(readFileSync(join(identityDir, 'tls.key')));
    expect(spki(cert.publicKey).equals(spki(createPublicKey(key)))).toBe(true);
    console.log(
      `[replicas] ${REPLICAS} copies, ${replicas.map(rounds).join('/')} renewals each (${written.join('/')} written ` +
        `by themselves, the rest taken from another copy); ${issued.size} leaves issued; ${results.length} fresh ` +
        `handshakes, ${errors.length} failed; ${served.size} serials served`,
    );
  }, 120_000);
});
