export { createCA } from './ca.js';
export { type CertificateInfo, describeCertificate } from './describe.js';
export { issueLeaf } from './leaf.js';
export type { KeyPairPem } from './types.js';
