// Self-renewal in compose: at `renewAt` (2/3 by default) of the leaf lifetime, the process makes a new P-256 key
// pair, asks the world's issuer (dw-pki) over mutual TLS with its CURRENT identity for a leaf bound to the new
// public key, writes key and cert as one unit into its identity files (the key 0600; identity.ts), and puts the
// pair it made in use by the same path an IPC reload takes (applyIdentity): the server's secure context and new
// outbound pools, while connections already open drain. The private key never leaves this process's container.
// The copies of a replicated service share one identity directory and renew it at the same moment: each writes a
// whole pair, the last one written is the one on disk, and a copy that finds on disk a leaf renewed after its own
// (not yet due) takes that one instead of asking for another. On failure it retries with backoff (1 s doubling to
// 30 s) while the current leaf is still valid, and beyond (the issuer might be back). One log line per renewal;
// never a key.
import { generateKeyPair, type KeyObject, X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import { promisify } from 'node:util';
import { type Renewal, RenewResponse, type SpawnConfig } from '@dw/world';
import Value from 'typebox/value';
import type { Caller } from './caller.js';
import { type IdentityPem, loadIdentity, writeFileAtomic, writeIdentityPair } from './identity.js';
import { applyIdentity } from './identity-reload.js';
import type { Log } from './log.js';
import type { ServiceServer } from './server.js';

export const DEFAULT_RENEW_AT = 2 / 3;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

const newKeyPair = promisify(generateKeyPair);

/** When the leaf should be renewed (epoch ms): renewAt of the lifetime after it was issued (notAfter - lifetime). */
export function renewalDueAt(certPem: string, renewal: Renewal): number {
  const notAfter = Date.parse(new X509Certificate(certPem).validTo);
  const issuedAt = notAfter - renewal.lifetimeMs;
  return issuedAt + Math.round((renewal.renewAt ?? DEFAULT_RENEW_AT) * renewal.lifetimeMs);
}

/** POSTs the new public key to the issuer, presenting the current identity; resolves with its checked answer. */
function askIssuer(renewal: Renewal, current: IdentityPem, publicKeyPem: string) {
  return new Promise<RenewResponse>((resolve, reject) => {
    const body = JSON.stringify({ publicKeyPem });
    const req = https.request(
      renewal.url,
      {
        method: 'POST',
        cert: current.cert,
        key: current.key,
        ca: current.ca,
        servername: renewal.serverName,
        minVersion: 'TLSv1.3',
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let answer: unknown;
          try {
            answer = JSON.parse(text);
          } catch {
            return reject(new Error(`the issuer answered ${res.statusCode} with no JSON`));
          }
          if (res.statusCode !== 200) {
            const message = (answer as { message?: unknown })?.message;
            return reject(new Error(`the issuer refused (${res.statusCode}): ${String(message ?? text)}`));
          }
          if (!Value.Check(RenewResponse, answer)) return reject(new Error('the issuer answered an unknown shape'));
          resolve(answer);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the issuer did not answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Checks the new leaf is for the same names, signed by a CA we trust, and bound to our new private key. */
function checkLeaf(certPem: string, caPem: string, currentPem: string, privateKey: KeyObject): X509Certificate {
  const cert = new X509Certificate(certPem);
  const current = new X509Certificate(currentPem);
  if (cert.subjectAltName !== current.subjectAltName) {
    throw new Error(`the new leaf names ${cert.subjectAltName}, not ${current.subjectAltName}`);
  }
  if (!cert.checkPrivateKey(privateKey)) throw new Error('the new leaf is not bound to the key this process made');
  const cas = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!cas.some((pem) => cert.verify(new X509Certificate(pem).publicKey))) {
    throw new Error('the new leaf is not signed by the CA the issuer sent');
  }
  return cert;
}

export class IdentityRenewal {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  /** How many renewals succeeded (for tests and the log). */
  renewals = 0;
  /** The certificate this process presents now. */
  private serving: string | undefined;

  constructor(
    private readonly config: SpawnConfig & { renewal: Renewal },
    private readonly server: ServiceServer | undefined,
    private readonly caller: Caller,
    private readonly log: Log,
  ) {}

  /** Schedules the first renewal from the leaf the process started with. */
  start(identity: IdentityPem): void {
    const { cert } = identity;
    if (cert === undefined) return;
    this.serving = cert;
    const dueAt = renewalDueAt(cert, this.config.renewal);
    this.schedule(dueAt - Date.now());
    this.log.info(`renewal from ${this.config.renewal.url} due at ${new Date(dueAt).toISOString()}`);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renew(), Math.max(0, delayMs));
    this.timer.unref();
  }

  /** One renewal; on failure, schedules a retry with backoff. */
  async renew(): Promise<void> {
    const started = Date.now();
    try {
      const current = await loadIdentity(this.config.identity);
      if (current.cert === undefined || current.key === undefined) throw new Error('no current identity');
      const before = new X509Certificate(this.serving ?? current.cert);
      const onDiskDueAt = renewalDueAt(current.cert, this.config.renewal);
      if (onDiskDueAt > Date.now()) {
        // Another copy sharing these files renewed them since this one loaded its leaf: take that leaf.
        if (this.stopped) return;
        applyIdentity(current, this.server, this.caller);
        this.serving = current.cert;
        this.retryMs = FIRST_RETRY_MS;
        const taken = new X509Certificate(current.cert);
        this.log.info(
          `identity taken from another copy: serial ${before.serialNumber} -> ${taken.serialNumber}, ` +
            `next renewal ${new Date(onDiskDueAt).toISOString()}`,
        );
        this.schedule(onDiskDueAt - Date.now());
        return;
      }
      const keys = await newKeyPair('ec', { namedCurve: 'prime256v1' });
      const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const answer = await askIssuer(this.config.renewal, current, publicKeyPem);
      if (this.stopped) return;
      const cert = checkLeaf(answer.certPem, answer.caPem, current.cert, keys.privateKey);
      const keyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const { identity } = this.config;
      if (answer.caPem !== current.ca) writeFileAtomic(identity.caFile, answer.caPem, 0o644);
      writeIdentityPair(
        { certFile: identity.certFile as string, keyFile: identity.keyFile as string },
        { certPem: answer.certPem, keyPem },
      );
      // The pair this process made and checked, whichever copy's pair the files hold by now.
      applyIdentity({ cert: answer.certPem, key: keyPem, ca: answer.caPem }, this.server, this.caller);
      this.serving = answer.certPem;
      this.renewals++;
      this.retryMs = FIRST_RETRY_MS;
      const dueAt = renewalDueAt(answer.certPem, this.config.renewal);
      this.log.info(
        `identity renewed in ${Date.now() - started} ms: serial ${before.serialNumber} -> ${cert.serialNumber}, ` +
          `valid until ${new Date(cert.validTo).toISOString()}, next renewal ${new Date(dueAt).toISOString()}`,
      );
      this.schedule(dueAt - Date.now());
    } catch (error) {
      if (this.stopped) return;
      this.log.error(`identity renewal failed, retrying in ${this.retryMs / 1000} s: ${(error as Error).message}`);
      this.schedule(this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    }
  }
}
