export { createCA } from './ca.js';
export { describeCertificate } from './describe.js';
export { issueLeaf, issueLeafForKey } from './leaf.js';
export { CLOCK_SKEW_MS, type KeyPairPem } from './types.js';
