/** A certificate and its private key, both PEM; the key is PKCS#8 ("-----BEGIN PRIVATE KEY-----"). */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
export const CA_VALIDITY_MS = 10 * 365 * DAY_MS;
export const LEAF_VALIDITY_MS = DAY_MS;
/** Leaves start a minute in the past, so a clock a little behind does not reject a fresh certificate. */
export const CLOCK_SKEW_MS = MINUTE_MS;
