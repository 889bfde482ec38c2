// The pki service of an exported compose file: `node server/dist/compose-pki.js` with DW_PKI_CONFIG.
// On start it creates the world CA in its own volume (once; later starts reuse it), issues every service a leaf
// into that service's identity volume (tls.crt, tls.key, ca.crt; written atomically), then marks itself healthy
// and stays up as a small issuer: every minute it re-issues a leaf that is past half its life, or that this CA
// did not sign. `--check` (the healthcheck) exits 0 once this start's leaves are all written.
// The CA key never leaves caDir, which only this container mounts. Nothing here prints a key.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { PKI_CONFIG_ENV, PkiConfig } from '@dw/world';
import Value from 'typebox/value';

const RENEW_EVERY_MS = 60_000;
const READY_MARKER = 'issued';

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

function writeAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, file);
}

async function loadOrCreateCA(config: PkiConfig): Promise<KeyPairPem> {
  mkdirSync(config.caDir, { recursive: true, mode: 0o700 });
  const certFile = join(config.caDir, 'ca.crt');
  const keyFile = join(config.caDir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  }
  const ca = await createCA({ worldId: config.worldId });
  writeAtomic(keyFile, ca.keyPem, 0o600);
  writeAtomic(certFile, ca.certPem, 0o644);
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
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return 'signed by another CA';
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (now >= from + (to - from) / 2) return `past half its life (expires ${new Date(to).toISOString()})`;
  return null;
}

async function issueAll(config: PkiConfig, ca: KeyPairPem): Promise<void> {
  const caCert = new X509Certificate(ca.certPem);
  for (const id of config.services) {
    const dir = join(config.issuedDir, id);
    const reason = renewalReason(dir, caCert, Date.now());
    if (reason === null) continue;
    mkdirSync(dir, { recursive: true });
    const leaf = await issueLeaf(ca, { worldId: config.worldId, serviceId: id });
    writeAtomic(join(dir, 'ca.crt'), ca.certPem, 0o644);
    writeAtomic(join(dir, 'tls.key'), leaf.keyPem, 0o600);
    writeAtomic(join(dir, 'tls.crt'), leaf.certPem, 0o644);
    log(
      `issued ${id} (${reason}): spiffe://${config.worldId}/${id}, valid until ${new X509Certificate(leaf.certPem).validTo}`,
    );
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const marker = join(config.caDir, READY_MARKER);
  if (process.argv.includes('--check')) process.exit(existsSync(marker) ? 0 : 1);

  rmSync(marker, { force: true });
  const ca = await loadOrCreateCA(config);
  await issueAll(config, ca);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`${config.services.length} identities ready; renewing every ${RENEW_EVERY_MS / 1000} s`);

  const timer = setInterval(() => {
    issueAll(config, ca).catch((error: unknown) => log(`renewal failed: ${(error as Error).message}`));
  }, RENEW_EVERY_MS);
  const stop = () => {
    clearInterval(timer);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[dw:pki] fatal: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
