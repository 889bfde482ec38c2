// How TLS failures map to refusal reasons, found by experiment with Node 20 (OpenSSL 3) and TLS 1.3:
//
// Server side (https server, requestCert + rejectUnauthorized), 'tlsClientError' (err, socket):
//   no client certificate  -> err.code ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE (OpenSSL refuses in the handshake)
//   any certificate Node rejects is verified in JS after the handshake: the socket is destroyed and the event
//   carries err.code ECONNRESET ('socket hang up') with the reason in socket.authorizationError:
//     foreign CA          -> UNABLE_TO_VERIFY_LEAF_SIGNATURE (or UNABLE_TO_GET_ISSUER_CERT[_LOCALLY],
//                            SELF_SIGNED_CERT_IN_CHAIN / DEPTH_ZERO_SELF_SIGNED_CERT for a self-signed one)
//     expired             -> CERT_HAS_EXPIRED
//     not yet valid       -> CERT_NOT_YET_VALID
//     a CA cert as client -> INVALID_PURPOSE
//   ECONNRESET without an authorizationError is a peer that hung up mid-handshake (a port probe, or a caller that
//   rejected OUR certificate): not a refusal of ours, so it is not counted.
import type { RefusalReason } from '@dw/world';

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
]);

/** The reason a handshake was refused, or null when it was not a refusal (the peer just went away). */
export function refusalFromTlsError(
  err: NodeJS.ErrnoException,
  authorizationError: string | Error | null | undefined,
): RefusalReason | null {
  if (err.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no-certificate';
  const verify = authorizationError ? String(authorizationError) : '';
  if (verify === 'CERT_HAS_EXPIRED') return 'expired';
  if (UNKNOWN_CA.has(verify)) return 'unknown-ca';
  if (verify !== '') return 'bad-certificate';
  if (err.code === 'ECONNRESET' || err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' || err.code === 'EPIPE') return null;
  return 'bad-certificate';
}

/** Verification codes a caller sees when it rejects the callee's certificate (ours to refuse, not an error). */
const CLIENT_VERIFY = new Set([
  ...UNKNOWN_CA,
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'INVALID_PURPOSE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_DW_PEER_IDENTITY',
]);

/**
 * True when an outbound call failed because a handshake was refused, by either end: the callee's TLS alert
 * (ERR_SSL_*ALERT*, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED) or our own check of the callee's certificate.
 * With TLS 1.3 a callee that rejects our certificate after the handshake just closes the socket; that is
 * indistinguishable from a crash and counts as an error.
 */
export function isHandshakeRefusal(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (CLIENT_VERIFY.has(code) || (code.startsWith('ERR_SSL_') && code.includes('ALERT'))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
