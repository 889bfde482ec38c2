// dw-pki's enrollment endpoint (Kubernetes): POST /enroll over TLS with no client certificate. A pod's init
// container proves it holds its service's bootstrap token with an HMAC over its request (world, service, a fresh
// nonce, its new public key); the token itself never crosses the network. The answer is a leaf of that service
// bound to that key, the CA, and an HMAC over them and the nonce, so the pod can tell the issuer's answer from a
// forgery before it trusts the CA. Refusals are 4xx with a JSON body { error, message }; none says whether the
// service exists or its token differs (both are 403 bad-proof).
import { createPublicKey } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import { issueLeafForKey, type KeyPairPem } from '@dw/pki';
import { EnrollRequest, type EnrollResponse, enrollRequestText, enrollResponseText } from '@dw/world';
import Value from 'typebox/value';
import { Refusal, readBody, send } from '../compose/issuer-http.js';
import { hmac, sameProof } from './enrollment-proof.js';

export const ENROLL_PATH = '/enroll';
/** Tokens shorter than this are refused outright (the export draws 32 random bytes). */
export const MIN_TOKEN_LENGTH = 16;

export interface EnrollmentOptions {
  worldId: string;
  /** The services that may enroll. */
  services: readonly string[];
  /** The bootstrap token of a service, or undefined when it has none (read per request: a Secret may change). */
  tokenOf: (serviceId: string) => string | undefined;
  ca: KeyPairPem;
  /** The issuer's own TLS identity (a leaf of the same CA, DNS SAN = its service name). */
  identity: KeyPairPem;
  leafLifetimeMs: number;
  clockSkewMs: number;
  log: (message: string) => void;
}

function checkKey(publicKeyPem: string): void {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: publicKeyPem, format: 'pem' });
  } catch {
    throw new Refusal(400, 'bad-key', 'publicKeyPem must be a PEM "PUBLIC KEY" (SPKI)');
  }
  if (key.type !== 'public' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Refusal(400, 'bad-key', 'publicKeyPem must be an ECDSA P-256 public key');
  }
}

export function createEnrollmentServer(options: EnrollmentOptions): https.Server {
  const { worldId, services, ca, log } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== ENROLL_PATH) {
      throw new Refusal(404, 'not-found', `only POST ${ENROLL_PATH} is served here`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal(400, 'bad-json', 'the body must be JSON: { serviceId, publicKeyPem, nonce, proof }');
    }
    if (!Value.Check(EnrollRequest, body)) {
      throw new Refusal(
        400,
        'bad-request',
        'the body must be { serviceId, publicKeyPem, nonce, proof } and nothing else',
      );
    }
    const { serviceId, nonce, proof } = body;
    const token = services.includes(serviceId) ? options.tokenOf(serviceId) : undefined;
    // An unknown service and a wrong token look the same from outside.
    if (
      token === undefined ||
      token.length < MIN_TOKEN_LENGTH ||
      !sameProof(proof, hmac(token, enrollRequestText(worldId, body)))
    ) {
      throw new Refusal(
        403,
        'bad-proof',
        `no bootstrap token of world "${worldId}" makes this proof for "${serviceId}"`,
      );
    }
    checkKey(body.publicKeyPem);
    const certPem = await issueLeafForKey(ca, {
      worldId,
      serviceId,
      publicKeyPem: body.publicKeyPem,
      validityMs: options.leafLifetimeMs + options.clockSkewMs,
    });
    const answer = { certPem, caPem: ca.certPem };
    log(`enrolled ${serviceId}: spiffe://${worldId}/${serviceId}`);
    const response: EnrollResponse = { ...answer, proof: hmac(token, enrollResponseText(worldId, nonce, answer)) };
    send(res, 200, response);
  };

  const server = https.createServer(
    { cert: options.identity.certPem, key: options.identity.keyPem, minVersion: 'TLSv1.3' },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        req.resume();
        const refusal = error instanceof Refusal ? error : new Refusal(500, 'internal', 'the leaf could not be issued');
        if (refusal.status >= 500) log(`enrollment failed: ${(error as Error).message}`);
        else log(`refused an enrollment (${refusal.code}): ${refusal.message}`);
        if (!res.headersSent) send(res, refusal.status, { error: refusal.code, message: refusal.message });
      });
    },
  );
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return server;
}
