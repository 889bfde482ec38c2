import { describe, expect, it } from 'vitest';
import { isHandshakeRefusal, refusalFromTlsError } from './tls-errors.js';

const err = (code: string) => Object.assign(new Error(code), { code });

describe('refusalFromTlsError (what Node reports on the server side)', () => {
  it.each([
    ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', null, 'no-certificate'],
    ['ECONNRESET', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca'],
    ['ECONNRESET', 'SELF_SIGNED_CERT_IN_CHAIN', 'unknown-ca'],
    ['ECONNRESET', 'CERT_HAS_EXPIRED', 'expired'],
    ['ECONNRESET', 'CERT_NOT_YET_VALID', 'bad-certificate'],
    ['ECONNRESET', 'INVALID_PURPOSE', 'bad-certificate'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', null, 'bad-certificate'],
    ['ECONNRESET', null, null],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', undefined, null],
  ] as const)('%s with authorizationError %s -> %s', (code, authz, reason) => {
    expect(refusalFromTlsError(err(code), authz)).toBe(reason);
  });
});

describe('isHandshakeRefusal (what undici reports to a caller)', () => {
  it('counts TLS alerts and failed checks of the callee as refusals, other failures as errors', () => {
    expect(isHandshakeRefusal(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe(true);
    expect(isHandshakeRefusal(err('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(true);
    expect(isHandshakeRefusal(err('ERR_DW_PEER_IDENTITY'))).toBe(true);
    expect(isHandshakeRefusal(Object.assign(new Error('wrapped'), { cause: err('CERT_HAS_EXPIRED') }))).toBe(true);
    expect(isHandshakeRefusal(err('ECONNREFUSED'))).toBe(false);
    expect(isHandshakeRefusal(err('UND_ERR_SOCKET'))).toBe(false);
    expect(isHandshakeRefusal(err('UND_ERR_HEADERS_TIMEOUT'))).toBe(false);
    expect(isHandshakeRefusal(undefined)).toBe(false);
  });
});
