export { createCA } from './ca.js';
export { type CertificateInfo, describeCertificate } from './describe.js';
export { issueLeaf } from './leaf.js';
export { CLOCK_SKEW_MS, type KeyPairPem } from './types.js';
