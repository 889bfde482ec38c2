// @peculiar/x509 reads decorator metadata when it loads, so reflect-metadata must run first; it signs with the
// platform's WebCrypto (Node's globalThis.crypto).
import 'reflect-metadata';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

export const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A fresh P-256 key pair, extractable so the private key can be exported as PKCS#8. */
export async function generateKeys(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await globalThis.crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKey(keyPem: string): Promise<CryptoKey> {
  const [der] = x509.PemConverter.decode(keyPem);
  if (!der) throw new Error('the key PEM holds no PRIVATE KEY block');
  return globalThis.crypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}

/** A random positive serial number, 16 bytes, hex (the top bit cleared so DER never reads it as negative). */
export function randomSerial(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
