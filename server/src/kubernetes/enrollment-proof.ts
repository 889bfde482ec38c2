// The HMACs of enrollment (see @dw/world's enrollment.ts for what they cover): both ends use these.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `text` with `token`, base64url (43 characters). */
export function hmac(token: string, text: string): string {
  return createHmac('sha256', token).update(text, 'utf8').digest('base64url');
}

/** Compares two base64url proofs in constant time. */
export function sameProof(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
