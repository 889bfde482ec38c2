// Kubernetes: how a pod gets its FIRST leaf. Pods share no volume with the issuer, so an init container makes a
// P-256 key pair and asks the issuer (dw-pki, POST /enroll over TLS) for a leaf of its service, proving that it
// holds that service's bootstrap token (a Secret the manifests generate) without sending it: `proof` is an
// HMAC-SHA256 with the token over the request (world, service, nonce, public key), and the issuer answers with
// an HMAC over the answer (nonce, leaf, CA), which the pod checks before it trusts the CA it was sent. The
// private key never leaves the pod; renewals then go over mutual TLS with the current leaf, as in compose.
import Type, { type Static } from 'typebox';
import { ServiceId } from './ids.js';

const strict = { additionalProperties: false } as const;

/** The init container's job, as JSON in DW_ENROLL. */
export const ENROLL_CONFIG_ENV = 'DW_ENROLL';
export const EnrollConfig = Type.Object(
  {
    worldId: Type.String({ minLength: 1 }),
    serviceId: ServiceId,
    /** The issuer's enrollment endpoint, e.g. https://dw-pki:8445/enroll. */
    url: Type.String({ minLength: 1 }),
    /** The DNS name the issuer's certificate carries (checked once the CA is known). */
    serverName: Type.String({ minLength: 1 }),
    /** The file holding this service's bootstrap token (one key of the bootstrap Secret). */
    tokenFile: Type.String({ minLength: 1 }),
    /** Where to write tls.key (0600), tls.crt and ca.crt: the volume the service container mounts. */
    identityDir: Type.String({ minLength: 1 }),
    /** How long to keep asking while the issuer is not up yet (default 120 s). */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
  },
  strict,
);
export type EnrollConfig = Static<typeof EnrollConfig>;

const Base64Url = (bytes: number) =>
  Type.String({
    minLength: Math.ceil((bytes * 4) / 3),
    maxLength: Math.ceil((bytes * 4) / 3),
    pattern: '^[A-Za-z0-9_-]+$',
  });

/** POST /enroll: who asks, its new public key, a fresh nonce, and the token's HMAC over all of them. */
export const EnrollRequest = Type.Object(
  {
    serviceId: ServiceId,
    publicKeyPem: Type.String({ minLength: 1, maxLength: 4096 }),
    /** 32 random bytes, base64url: the answer's proof covers it, so an old answer cannot be replayed. */
    nonce: Base64Url(32),
    /** HMAC-SHA256(token, enrollRequestText(...)), base64url. */
    proof: Base64Url(32),
  },
  strict,
);
export type EnrollRequest = Static<typeof EnrollRequest>;

/** The issuer's answer: the leaf bound to the key, the CA to trust, and the token's HMAC over both and the nonce. */
export const EnrollResponse = Type.Object(
  { certPem: Type.String({ minLength: 1 }), caPem: Type.String({ minLength: 1 }), proof: Base64Url(32) },
  strict,
);
export type EnrollResponse = Static<typeof EnrollResponse>;

/** The exact text the request's proof is an HMAC of (both ends build it with this function). */
export function enrollRequestText(worldId: string, request: Omit<EnrollRequest, 'proof'>): string {
  return ['dw-enroll-request/1', worldId, request.serviceId, request.nonce, request.publicKeyPem].join('\n');
}

/** The exact text the answer's proof is an HMAC of. */
export function enrollResponseText(worldId: string, nonce: string, answer: Omit<EnrollResponse, 'proof'>): string {
  return ['dw-enroll-response/1', worldId, nonce, answer.certPem, answer.caPem].join('\n');
}
