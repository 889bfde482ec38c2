// The init container of a Kubernetes pod: its first leaf from dw-pki (POST /enroll), with a key pair made here.
// It proves it holds its service's bootstrap token by an HMAC (the token is never sent), and trusts the answer
// only once the issuer's HMAC over it and this request's nonce checks out: then the CA it was sent is the
// world's, and the leaf must name exactly this service, be signed by that CA and bound to the key made here;
// the issuer's TLS certificate must chain to that CA and carry its name too. Writes ca.crt, tls.key (0600) and
// tls.crt (last) atomically into identityDir. Connection failures and 5xx are retried (the issuer may not be up
// yet) until waitMs; a refusal is final.
import { generateKeyPair, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { type EnrollConfig, EnrollResponse, enrollRequestText, enrollResponseText } from '@dw/world';
import Value from 'typebox/value';
import { hmac, sameProof } from './enrollment-proof.js';

const DEFAULT_WAIT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;
const newKeyPair = promisify(generateKeyPair);

/** A refusal or a forged answer: asking again will not help. */
export class EnrollRefused extends Error {}

export interface Enrolled {
  serial: string;
  validTo: string;
}

interface Answer {
  status: number;
  body: string;
  /** The certificate the issuer's TLS endpoint presented (not verified yet: the CA is not known before). */
  peer: X509Certificate | undefined;
}

function post(config: EnrollConfig, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      config.url,
      {
        method: 'POST',
        servername: config.serverName,
        // The world's CA is what this call fetches: the issuer is authenticated by its HMAC over the answer, and
        // its certificate is checked against the CA once that is known (below).
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerX509Certificate();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peer }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the issuer did not answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function writeAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, file);
}

/** Checks an answer whose proof held: the leaf, the CA, the issuer's own certificate. Returns the leaf. */
function checkAnswer(
  config: EnrollConfig,
  answer: EnrollResponse,
  privateKey: KeyObject,
  peer: X509Certificate | undefined,
): X509Certificate {
  const ca = new X509Certificate(answer.caPem);
  const leaf = new X509Certificate(answer.certPem);
  if (!ca.ca || !ca.verify(ca.publicKey)) throw new EnrollRefused('the CA sent is not a self-signed CA certificate');
  if (!leaf.verify(ca.publicKey)) throw new EnrollRefused('the leaf is not signed by the CA sent');
  if (!leaf.checkPrivateKey(privateKey)) throw new EnrollRefused('the leaf is not bound to the key made here');
  const names = (leaf.subjectAltName ?? '').split(', ').sort();
  const wanted = [`DNS:${config.serviceId}`, `URI:spiffe://${config.worldId}/${config.serviceId}`].sort();
  if (JSON.stringify(names) !== JSON.stringify(wanted)) {
    throw new EnrollRefused(`the leaf names ${leaf.subjectAltName}, not ${wanted.join(', ')}`);
  }
  if (!peer?.verify(ca.publicKey) || peer.checkHost(config.serverName) === undefined) {
    throw new EnrollRefused(`the issuer's TLS certificate is not ${config.serverName}'s of the CA it sent`);
  }
  return leaf;
}

/** One enrollment: resolves with the new leaf's serial once the files are written. */
export async function enroll(config: EnrollConfig, log: (message: string) => void = () => {}): Promise<Enrolled> {
  let token: string;
  try {
    token = readFileSync(config.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new EnrollRefused(`cannot read the bootstrap token ${config.tokenFile}: ${(error as Error).message}`);
  }
  if (token.length === 0) throw new EnrollRefused(`the bootstrap token ${config.tokenFile} is empty`);
  const { publicKey, privateKey } = await newKeyPair('ec', { namedCurve: 'prime256v1' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const nonce = randomBytes(32).toString('base64url');
  const unsigned = { serviceId: config.serviceId, publicKeyPem, nonce };
  const body = JSON.stringify({ ...unsigned, proof: hmac(token, enrollRequestText(config.worldId, unsigned)) });

  const until = Date.now() + (config.waitMs ?? DEFAULT_WAIT_MS);
  let answer: Answer;
  for (let attempt = 1; ; attempt++) {
    try {
      answer = await post(config, body);
      if (answer.status < 500) break;
      throw new Error(`the issuer answered ${answer.status}`);
    } catch (error) {
      if (Date.now() >= until) throw new Error(`no answer from ${config.url}: ${(error as Error).message}`);
      if (attempt === 1 || attempt % 10 === 0) log(`waiting for the issuer (${(error as Error).message})`);
      await sleep(Math.min(2000, 250 * attempt));
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new EnrollRefused(`the issuer answered ${answer.status} with no JSON`);
  }
  if (answer.status !== 200) {
    throw new EnrollRefused(
      `the issuer refused (${answer.status}): ${String((parsed as { message?: unknown })?.message ?? answer.body)}`,
    );
  }
  if (!Value.Check(EnrollResponse, parsed)) throw new EnrollRefused('the issuer answered an unknown shape');
  const expected = hmac(token, enrollResponseText(config.worldId, nonce, parsed));
  if (!sameProof(parsed.proof, expected)) {
    throw new EnrollRefused("the answer is not proven by this service's bootstrap token: not trusting its CA");
  }
  const leaf = checkAnswer(config, parsed, privateKey, answer.peer);

  mkdirSync(config.identityDir, { recursive: true });
  writeAtomic(join(config.identityDir, 'ca.crt'), parsed.caPem, 0o644);
  writeAtomic(
    join(config.identityDir, 'tls.key'),
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    0o600,
  );
  writeAtomic(join(config.identityDir, 'tls.crt'), parsed.certPem, 0o644);
  return { serial: leaf.serialNumber, validTo: leaf.validTo };
}
