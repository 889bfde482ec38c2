import { createHash } from 'node:crypto';
import type { CertificateInfo } from '@dw/world';
import { x509 } from './x509.js';

/** What a person (or the controller's UI) wants to know about a certificate: `CertificateInfo` of @dw/world. */
export function describeCertificate(certPem: string): CertificateInfo {
  const cert = new x509.X509Certificate(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const items = san?.names.items ?? [];
  const digest = createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex').toUpperCase();
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber.toUpperCase(),
    dnsNames: items.filter((n) => n.type === 'dns').map((n) => n.value),
    uris: items.filter((n) => n.type === 'url').map((n) => n.value),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprint256: digest.match(/../g)!.join(':'),
  };
}
