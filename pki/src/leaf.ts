import { CONTROLLER_ID, spiffeId } from '@dw/world';
import { checkServiceId, checkWorldId } from './names.js';
import { CLOCK_SKEW_MS, type KeyPairPem, LEAF_VALIDITY_MS } from './types.js';
import { generateKeys, importPrivateKey, privateKeyPem, randomSerial, SIGNING, x509 } from './x509.js';

/**
 * A leaf for one service of a world, signed by the world CA. It serves and it calls (EKU serverAuth and
 * clientAuth). SANs: DNS = the service id (what callers check as the TLS server name) and URI =
 * spiffe://<world>/<service> (what callees authorize). The controller's identity carries only the URI.
 */
export async function issueLeaf(
  ca: KeyPairPem,
  opts: { worldId: string; serviceId: string; validityMs?: number; notBefore?: Date },
): Promise<KeyPairPem> {
  checkWorldId(opts.worldId);
  checkServiceId(opts.serviceId);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const notBefore = opts.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const names: x509.JsonGeneralNames = [{ type: 'url', value: spiffeId(opts.worldId, opts.serviceId) }];
  if (opts.serviceId !== CONTROLLER_ID) names.unshift({ type: 'dns', value: opts.serviceId });

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${opts.serviceId}, O=${opts.worldId}`,
    issuer: caCert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? LEAF_VALIDITY_MS)),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
