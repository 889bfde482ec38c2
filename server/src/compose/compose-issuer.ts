// The dw-pki service's renewal endpoint: HTTPS with mutual TLS on the compose network. A service proves who it is
// with its CURRENT leaf (verified against the world CA during the handshake) and sends a NEW public key it made
// itself; the issuer signs a leaf for exactly the SPIFFE id of that current leaf, bound to the new key. So a
// private key never leaves the container that made it, and nobody gets an identity it does not already hold.
// Refusals are 4xx with a JSON body { error, message }.
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { issueLeafForKey, type KeyPairPem } from '@dw/pki';
import { RenewRequest, type RenewResponse } from '@dw/world';
import Value from 'typebox/value';
import { Refusal, readBody, send } from './issuer-http.js';

export const RENEW_PATH = '/renew';

export interface IssuerOptions {
  worldId: string;
  /** The services that may renew: a caller whose SPIFFE id names anything else is refused. */
  services: readonly string[];
  ca: KeyPairPem;
  /** The issuer's own TLS identity (a leaf of the same CA, DNS SAN = its compose name). */
  identity: KeyPairPem;
  leafLifetimeMs: number;
  /** Added to the lifetime, as notBefore is back-dated by it (pki's CLOCK_SKEW_MS). */
  clockSkewMs: number;
  log: (message: string) => void;
}

/** The service id the caller's verified certificate names, or a Refusal. */
export function callerServiceId(socket: TLSSocket, worldId: string, services: readonly string[]): string {
  const peer = socket.getPeerX509Certificate();
  if (!socket.authorized || !peer) throw new Refusal(401, 'no-identity', 'present your current certificate');
  const uris = (peer.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('URI:'))
    .map((n) => n.slice(4));
  const prefix = `spiffe://${worldId}/`;
  if (uris.length !== 1 || !uris[0]?.startsWith(prefix)) {
    throw new Refusal(403, 'foreign-identity', `the certificate must carry exactly one SPIFFE id of ${prefix}`);
  }
  const id = uris[0].slice(prefix.length);
  if (!services.includes(id)) {
    throw new Refusal(403, 'not-a-service', `"${id}" is not a service of world "${worldId}": nothing to renew`);
  }
  return id;
}

/** Checks the submitted key is a P-256 public key, and not the one the caller holds now. */
function checkNewKey(publicKeyPem: string, current: X509Certificate): void {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: publicKeyPem, format: 'pem' });
  } catch {
    throw new Refusal(400, 'bad-key', 'publicKeyPem must be a PEM "PUBLIC KEY" (SPKI)');
  }
  if (key.type !== 'public' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Refusal(400, 'bad-key', 'publicKeyPem must be an ECDSA P-256 public key');
  }
  const der = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
  if (der(key).equals(der(current.publicKey))) {
    throw new Refusal(400, 'same-key', 'renewal needs a NEW key pair, not the one of the current certificate');
  }
}

export function createIssuer(options: IssuerOptions): https.Server {
  const { worldId, services, ca, log } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const id = callerServiceId(socket, worldId, services);
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== RENEW_PATH) {
      throw new Refusal(404, 'not-found', `only POST ${RENEW_PATH} is served here`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, 'bad-json', 'the body must be JSON: { "publicKeyPem": "-----BEGIN PUBLIC KEY-----..." }');
    }
    if (!Value.Check(RenewRequest, body)) {
      throw new Refusal(400, 'bad-request', 'the body must be { "publicKeyPem": string } and nothing else');
    }
    checkNewKey(body.publicKeyPem, socket.getPeerX509Certificate() as X509Certificate);
    const certPem = await issueLeafForKey(ca, {
      worldId,
      serviceId: id,
      publicKeyPem: body.publicKeyPem,
      validityMs: options.leafLifetimeMs + options.clockSkewMs,
    });
    const cert = new X509Certificate(certPem);
    log(`renewed ${id}: serial ${cert.serialNumber}, valid until ${cert.validTo}`);
    const answer: RenewResponse = { certPem, caPem: ca.certPem };
    send(res, 200, answer);
  };

  const server = https.createServer(
    {
      cert: options.identity.certPem,
      key: options.identity.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        req.resume();
        const refusal = error instanceof Refusal ? error : new Refusal(500, 'internal', 'the leaf could not be issued');
        if (refusal.status >= 500) log(`renewal failed: ${(error as Error).message}`);
        else log(`refused a renewal (${refusal.code}): ${refusal.message}`);
        if (!res.headersSent) send(res, refusal.status, { error: refusal.code, message: refusal.message });
      });
    },
  );
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    log(`refused a handshake: ${error.code ?? error.message}`);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return server;
}
