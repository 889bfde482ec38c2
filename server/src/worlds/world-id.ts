// World ids: a slug of the name plus a short random suffix, valid as a DNS label and a SPIFFE trust domain.
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SLUG_MAX = 40;
export const SUFFIX_LENGTH = 6;

export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, '');
  return slug || 'world';
}

/** e.g. "My Shop!" -> "my-shop-k3f9a2". `taken` decides whether an id is already used. */
export function newWorldId(name: string, taken: (id: string) => boolean): string {
  const slug = slugOf(name);
  for (;;) {
    let suffix = '';
    for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
    const id = `${slug}-${suffix}`;
    if (!taken(id)) return id;
  }
}
