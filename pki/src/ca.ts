import { checkWorldId } from './names.js';
import { CA_VALIDITY_MS, CLOCK_SKEW_MS, type KeyPairPem } from './types.js';
import { generateKeys, privateKeyPem, randomSerial, SIGNING, x509 } from './x509.js';

/** A self-signed certificate authority for one world: it signs that world's leaves and nothing else. */
export async function createCA(opts: { worldId: string; validityMs?: number }): Promise<KeyPairPem> {
  checkWorldId(opts.worldId);
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=Distributed World CA ${opts.worldId}, O=Distributed World`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? CA_VALIDITY_MS)),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
