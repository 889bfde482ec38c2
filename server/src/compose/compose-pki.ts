// The pki service of an exported compose file: `node server/dist/compose-pki.js` with DW_PKI_CONFIG.
// On start it creates the world CA in its own volume (once; later starts reuse it), issues every service a leaf
// into that service's identity volume (tls.crt, tls.key, ca.crt; the key and certificate written as one unit, as
// the service's replicas write them when they renew: @dw/services/identity) when it has none, one this
// CA did not sign, or an expired one, then marks itself healthy and stays up as a small issuer: HTTPS with
// mutual TLS on config.issuer.port, where each service renews its own leaf with its current identity and a key
// pair it made itself (compose-issuer.ts). After the first issuance the issuer writes into a service's volume
// only where its holder cannot help itself: every few seconds it replaces a leaf that is missing, of another CA,
// or expired (a service that started after its first leaf expired, or stopped for longer than its lifetime,
// cannot renew it); a valid leaf is the service's to renew. `--check` (the healthcheck) exits 0 once this
// start's leaves are all written and the issuer listens. In Kubernetes (config.enrollment, no issuedDir) it
// shares no volume with the services: it issues nothing at start and serves first leaves on POST /enroll to
// the holders of each service's bootstrap token (../kubernetes/enrollment-issuer.ts).
// The CA key never leaves caDir, which only this container mounts. Nothing here prints a key.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { join } from 'node:path';
import { CLOCK_SKEW_MS, createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { checkPair, writeFileAtomic, writeIdentityPair } from '@dw/services/identity';
import { PKI_CONFIG_ENV, PkiConfig } from '@dw/world';
import Value from 'typebox/value';
import { createEnrollmentServer } from '../kubernetes/enrollment-issuer.js';
import { createIssuer } from './compose-issuer.js';

/** Where the issuer listens when the config does not say (the exported file always does). */
const DEFAULT_ISSUER = { name: 'dw-pki', port: 8444 };
const READY_MARKER = 'issued';
/** How often the issuer looks for leaves their holders cannot renew (missing, of another CA, expired). */
const REISSUE_EVERY_MS = 5000;

function fail(message: string): never {
  process.stderr.write(`[dw:pki] ${message}\n`);
  process.exit(2);
}

function readConfig(): PkiConfig {
  const raw = process.env[PKI_CONFIG_ENV];
  if (!raw) fail(`${PKI_CONFIG_ENV} is not set: it must hold the JSON of a PkiConfig`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    fail(`${PKI_CONFIG_ENV} is not JSON: ${(error as Error).message}`);
  }
  if (!Value.Check(PkiConfig, value)) {
    const problems = [...Value.Errors(PkiConfig, value)].map((e) => `  ${e.instancePath || '/'}: ${e.message}`);
    fail(`invalid ${PKI_CONFIG_ENV}:\n${problems.join('\n')}`);
  }
  return value;
}

async function loadOrCreateCA(config: PkiConfig): Promise<KeyPairPem> {
  mkdirSync(config.caDir, { recursive: true, mode: 0o700 });
  const certFile = join(config.caDir, 'ca.crt');
  const keyFile = join(config.caDir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  }
  const ca = await createCA({ worldId: config.worldId });
  writeFileAtomic(keyFile, ca.keyPem, 0o600);
  writeFileAtomic(certFile, ca.certPem, 0o644);
  log(`created the CA of world "${config.worldId}"`);
  return ca;
}

function log(message: string): void {
  process.stdout.write(`[dw:pki] ${message}\n`);
}

/** Why the leaf in `dir` must be (re-)issued, or null when it is fine. */
function renewalReason(dir: string, caCert: X509Certificate, now: number): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
    if (!existsSync(join(dir, 'tls.key'))) return 'no key';
  } catch {
    return 'none yet';
  }
  try {
    checkPair(cert.toString(), readFileSync(join(dir, 'tls.key'), 'utf8'));
  } catch {
    return 'the key and the certificate do not match';
  }
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return 'signed by another CA';
  // A leaf still valid is the service's to renew (it may have done so already); an expired one cannot renew.
  const to = Date.parse(cert.validTo);
  if (now >= to) return `expired at ${new Date(to).toISOString()}`;
  return null;
}

function validityOf(config: PkiConfig): number | undefined {
  return config.leafLifetimeMs === undefined ? undefined : config.leafLifetimeMs + CLOCK_SKEW_MS;
}

async function issueAll(config: PkiConfig, ca: KeyPairPem): Promise<void> {
  const { issuedDir } = config;
  if (issuedDir === undefined) return;
  const caCert = new X509Certificate(ca.certPem);
  for (const id of config.services) {
    const dir = join(issuedDir, id);
    const reason = renewalReason(dir, caCert, Date.now());
    if (reason === null) continue;
    mkdirSync(dir, { recursive: true });
    const leaf = await issueLeaf(ca, { worldId: config.worldId, serviceId: id, validityMs: validityOf(config) });
    writeFileAtomic(join(dir, 'ca.crt'), ca.certPem, 0o644);
    writeIdentityPair({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }, leaf);
    log(
      `issued ${id} (${reason}): spiffe://${config.worldId}/${id}, valid until ${new X509Certificate(leaf.certPem).validTo}`,
    );
  }
}

/** A service's bootstrap token, read from the mounted Secret at each request (it may be updated in place). */
function tokenReader(tokensDir: string, services: readonly string[]) {
  return (id: string): string | undefined => {
    if (!services.includes(id)) return undefined;
    try {
      return readFileSync(join(tokensDir, id), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const marker = join(config.caDir, READY_MARKER);
  if (process.argv.includes('--check')) process.exit(existsSync(marker) ? 0 : 1);

  rmSync(marker, { force: true });
  const ca = await loadOrCreateCA(config);
  await issueAll(config, ca);
  const issuer = config.issuer ?? DEFAULT_ISSUER;
  // The issuer's own leaf, so services verify it by name; kept in memory, re-made at every start.
  const identity = await issueLeaf(ca, { worldId: config.worldId, serviceId: issuer.name });
  const common = {
    worldId: config.worldId,
    services: config.services,
    ca,
    identity,
    leafLifetimeMs: config.leafLifetimeMs ?? 24 * 3_600_000,
    clockSkewMs: CLOCK_SKEW_MS,
    log,
  };
  const servers: Server[] = [createIssuer(common)];
  await listen(servers[0] as Server, issuer.port);
  if (config.enrollment) {
    const enrollment = createEnrollmentServer({
      ...common,
      tokenOf: tokenReader(config.enrollment.tokensDir, config.services),
    });
    servers.push(enrollment);
    await listen(enrollment, config.enrollment.port);
    log(`enrollment listening on https://${issuer.name}:${config.enrollment.port}/enroll`);
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  let issuing = false; // one pass at a time: two could write one service's key and certificate interleaved
  const reissue =
    config.issuedDir === undefined
      ? undefined
      : setInterval(() => {
          if (issuing) return;
          issuing = true;
          issueAll(config, ca)
            .catch((error: unknown) => log(`re-issuing failed: ${(error as Error).message}`))
            .finally(() => {
              issuing = false;
            });
        }, REISSUE_EVERY_MS);
  log(
    config.issuedDir === undefined
      ? `issuer listening on https://${issuer.name}:${issuer.port}/renew`
      : `${config.services.length} identities ready; issuer listening on https://${issuer.name}:${issuer.port}/renew`,
  );

  const stop = () => {
    clearInterval(reissue);
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[dw:pki] fatal: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
