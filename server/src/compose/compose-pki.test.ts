// The dw-pki issuer as the container runs it: a real process of dist/compose-pki.js on a temporary directory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf } from '@dw/pki';
import { writeIdentityPair } from '@dw/services/identity';
import { PKI_CONFIG_ENV, type PkiConfig } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundles } from '../testing/bundles.js';
import { freePort, tempDir, waitFor } from '../testing/temp-app.js';

/** compose-pki.ts's REISSUE_EVERY_MS (importing it would run the issuer's main). */
const REISSUE_EVERY_MS = 5000;

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(serverDir, 'dist/compose-pki.js');
const HOUR = 3_600_000;

beforeAll(() => {
  ensureBundles(serverDir, ['dist/compose-pki.js']); // rebuilt when a source is newer: never test stale code
}, 120_000);

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function setup(services = ['orders', 'payments']) {
  const dir = await tempDir('dw-pki-');
  dirs.push(dir);
  const config: PkiConfig & { issuedDir: string } = {
    worldId: 'shop-abc123',
    services,
    caDir: join(dir, 'ca'),
    issuedDir: join(dir, 'issued'),
    issuer: { name: 'dw-pki', port: await freePort() },
  };
  return { dir, config, env: { ...process.env, [PKI_CONFIG_ENV]: JSON.stringify(config) } };
}

function start(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return { child, output: () => output };
}

const check = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [bundle, '--check'], { env }).status;

describe('dw-pki (compose identity issuer)', () => {
  it('creates the CA once, issues each service its own leaf, turns healthy and stays up', async () => {
    const { config, env } = await setup();
    expect(check(env)).toBe(1);
    const first = start(env);
    await waitFor('the issuer to be healthy', () => (check(env) === 0 ? true : undefined), 20_000, 100);
    expect(first.child.exitCode).toBeNull(); // it stays up as the issuer
    const ca = new X509Certificate(readFileSync(join(config.caDir, 'ca.crt')));
    expect(statSync(join(config.caDir, 'ca.key')).mode & 0o777).toBe(0o600);
    for (const id of config.services) {
      const dir = join(config.issuedDir, id);
      const leaf = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
      expect(leaf.subjectAltName).toBe(`DNS:${id}, URI:spiffe://shop-abc123/${id}`);
      expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
      expect(statSync(join(dir, 'tls.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(readFileSync(join(config.caDir, 'ca.crt'), 'utf8'));
      expect(existsSync(join(dir, 'ca.key'))).toBe(false); // never the CA key in a service's volume
    }
    expect(first.output()).not.toMatch(/PRIVATE KEY/);
    first.child.kill('SIGTERM');
    await waitFor('the issuer to exit', () => (first.child.exitCode !== null ? first.child.exitCode : undefined));
    expect(first.child.exitCode).toBe(0);

    // A restart reuses the CA and keeps leaves that are still young.
    const caPem = readFileSync(join(config.caDir, 'ca.crt'), 'utf8');
    const before = readFileSync(join(config.issuedDir, 'orders/tls.crt'), 'utf8');
    const second = start(env);
    await waitFor(
      'the issuer to be healthy again',
      () => (check(env) === 0 && second.output().includes('ready') ? true : undefined),
      20_000,
      100,
    );
    expect(readFileSync(join(config.caDir, 'ca.crt'), 'utf8')).toBe(caPem);
    expect(readFileSync(join(config.issuedDir, 'orders/tls.crt'), 'utf8')).toBe(before);
  });

  it('re-issues an expired leaf or one signed by another CA, and leaves a valid one to its service', async () => {
    const { config, env } = await setup(['old', 'foreign', 'fresh', 'aging']);
    const ca = await createCA({ worldId: 'shop-abc123' });
    mkdirSync(config.caDir, { recursive: true });
    writeFileSync(join(config.caDir, 'ca.crt'), ca.certPem);
    writeFileSync(join(config.caDir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    const plant = (id: string, leaf: { certPem: string; keyPem: string }) => {
      mkdirSync(join(config.issuedDir, id), { recursive: true });
      writeFileSync(join(config.issuedDir, id, 'tls.crt'), leaf.certPem);
      writeFileSync(join(config.issuedDir, id, 'tls.key'), leaf.keyPem, { mode: 0o600 });
    };
    const old = await issueLeaf(ca, {
      worldId: 'shop-abc123',
      serviceId: 'old',
      notBefore: new Date(Date.now() - 25 * HOUR),
    });
    // Past half (even two thirds) of its life: the service renews it itself, so a restarted issuer keeps it.
    const aging = await issueLeaf(ca, {
      worldId: 'shop-abc123',
      serviceId: 'aging',
      notBefore: new Date(Date.now() - 20 * HOUR),
    });
    const other = await createCA({ worldId: 'shop-abc123' });
    const foreign = await issueLeaf(other, { worldId: 'shop-abc123', serviceId: 'foreign' });
    const fresh = await issueLeaf(ca, { worldId: 'shop-abc123', serviceId: 'fresh' });
    plant('old', old);
    plant('foreign', foreign);
    plant('fresh', fresh);
    plant('aging', aging);

    const issuer = start(env);
    await waitFor('the issuer to report', () => (issuer.output().includes('ready') ? true : undefined), 20_000, 100);
    expect(check(env)).toBe(0);
    const now = (id: string) => readFileSync(join(config.issuedDir, id, 'tls.crt'), 'utf8');
    expect(now('old')).not.toBe(old.certPem);
    expect(now('foreign')).not.toBe(foreign.certPem);
    expect(now('fresh')).toBe(fresh.certPem);
    expect(now('aging')).toBe(aging.certPem);
    expect(new X509Certificate(now('foreign')).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(issuer.output()).toMatch(/issued old \(expired at/);
    expect(issuer.output()).toMatch(/issued foreign \(signed by another CA\)/);
  });

  it('while it runs, replaces a leaf its holder cannot renew (expired, missing) and leaves a valid one alone', async () => {
    const { config, env } = await setup(['late', 'gone', 'busy']);
    const issuer = start(env);
    await waitFor('the issuer to be healthy', () => (check(env) === 0 ? true : undefined), 20_000, 100);
    const ca = {
      certPem: readFileSync(join(config.caDir, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(join(config.caDir, 'ca.key'), 'utf8'),
    };
    const leafOf = (id: string) => readFileSync(join(config.issuedDir, id, 'tls.crt'), 'utf8');
    // A service that starts after its first leaf expired; one whose volume lost its files; one that renewed.
    const expired = await issueLeaf(ca, {
      worldId: 'shop-abc123',
      serviceId: 'late',
      notBefore: new Date(Date.now() - 25 * HOUR),
    });
    // Written as a service writes them: key and certificate as one unit (a lone certificate is a broken pair).
    const pairFiles = (id: string) => ({
      certFile: join(config.issuedDir, id, 'tls.crt'),
      keyFile: join(config.issuedDir, id, 'tls.key'),
    });
    writeIdentityPair(pairFiles('late'), expired);
    rmSync(join(config.issuedDir, 'gone', 'tls.crt'));
    const renewed = await issueLeaf(ca, { worldId: 'shop-abc123', serviceId: 'busy' });
    writeIdentityPair(pairFiles('busy'), renewed);
    await waitFor(
      'the expired and the missing leaf to be replaced',
      () =>
        leafOf('late') !== expired.certPem && existsSync(join(config.issuedDir, 'gone', 'tls.crt')) ? true : undefined,
      REISSUE_EVERY_MS * 4,
      200,
    );
    expect(Date.parse(new X509Certificate(leafOf('late')).validTo)).toBeGreaterThan(Date.now());
    expect(new X509Certificate(leafOf('gone')).subjectAltName).toBe('DNS:gone, URI:spiffe://shop-abc123/gone');
    expect(leafOf('busy')).toBe(renewed.certPem);
    expect(issuer.output()).toMatch(/issued late \(expired at/);
    expect(issuer.output()).toMatch(/issued gone \(none yet\)/);
  });

  it('refuses a missing or invalid config with exit code 2, saying what is wrong', async () => {
    const none = spawnSync(process.execPath, [bundle], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/DW_PKI_CONFIG is not set/);
    const bad = spawnSync(process.execPath, [bundle], {
      env: { PATH: process.env.PATH, [PKI_CONFIG_ENV]: JSON.stringify({ worldId: 'w', services: ['Not A Label'] }) },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid DW_PKI_CONFIG/);
  });
});
