// World ids: a slug of the name plus a short random suffix, valid as a DNS label and a SPIFFE trust domain.
import { randomInt } from 'node:crypto';
import { slugOf } from '@dw/world';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const SUFFIX_LENGTH = 6;

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
