import type { webcrypto } from 'node:crypto';
import { CONTROLLER_ID, spiffeId } from '@dw/world';
import { checkServiceId, checkWorldId } from './names.js';
import { CLOCK_SKEW_MS, type KeyPairPem, LEAF_VALIDITY_MS } from './types.js';
import { EC_KEY, generateKeys, importPrivateKey, privateKeyPem, randomSerial, SIGNING, x509 } from './x509.js';

interface LeafOptions {
  worldId: string;
  serviceId: string;
  validityMs?: number;
  notBefore?: Date;
}

/**
 * A leaf for one service of a world, signed by the world CA. It serves and it calls (EKU serverAuth and
 * clientAuth). SANs: DNS = the service id (what callers check as the TLS server name) and URI =
 * spiffe://<world>/<service> (what callees authorize). The controller's identity carries only the URI.
 */
export async function issueLeaf(ca: KeyPairPem, opts: LeafOptions): Promise<KeyPairPem> {
  checkWorldId(opts.worldId);
  checkServiceId(opts.serviceId);
  const keys = await generateKeys();
  const certPem = await signLeaf(ca, opts, keys.publicKey);
  return { certPem, keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * The same leaf as issueLeaf, bound to a public key the holder generated (SPKI PEM, ECDSA P-256), so its private
 * key never leaves the holder: what the compose issuer signs when a service renews. Returns the certificate PEM.
 * Throws when the key is not a P-256 public key.
 */
export async function issueLeafForKey(ca: KeyPairPem, opts: LeafOptions & { publicKeyPem: string }): Promise<string> {
  checkWorldId(opts.worldId);
  checkServiceId(opts.serviceId);
  const blocks = x509.PemConverter.decodeWithHeaders(opts.publicKeyPem);
  const spki = blocks.length === 1 && blocks[0]?.type === 'PUBLIC KEY' ? blocks[0].rawData : undefined;
  if (!spki) throw new Error('the public key must be one PEM block "PUBLIC KEY" (SPKI)');
  let publicKey: webcrypto.CryptoKey;
  try {
    publicKey = await globalThis.crypto.subtle.importKey('spki', spki, EC_KEY, true, ['verify']);
  } catch {
    throw new Error('the public key must be an ECDSA P-256 key');
  }
  return signLeaf(ca, opts, publicKey);
}

async function signLeaf(ca: KeyPairPem, opts: LeafOptions, publicKey: webcrypto.CryptoKey): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const notBefore = opts.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const names: x509.JsonGeneralNames = [{ type: 'url', value: spiffeId(opts.worldId, opts.serviceId) }];
  if (opts.serviceId !== CONTROLLER_ID) names.unshift({ type: 'dns', value: opts.serviceId });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${opts.serviceId}, O=${opts.worldId}`,
    issuer: caCert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? LEAF_VALIDITY_MS)),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return cert.toString('pem');
}
