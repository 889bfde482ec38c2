// The ids of the world file, in their own module so that every schema can use them without import cycles.
import Type from 'typebox';
import { DNS_LABEL_PATTERN, MAX_WORLD_ID_LENGTH, WORLD_ID_PATTERN } from './identity.js';

export const ServiceId = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: DNS_LABEL_PATTERN,
  description: 'A DNS label: lowercase letters, digits and "-", 1-63 characters, unique in its world.',
});

/** A world's id (a slug of its name and a random suffix): what SPIFFE ids, file names and URLs carry. */
export const WorldId = Type.String({ minLength: 1, maxLength: MAX_WORLD_ID_LENGTH, pattern: WORLD_ID_PATTERN });

export const LinkId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Copies of one service at most (a service node's `replicas`); here so that every schema can use it. */
export const MAX_REPLICAS = 10;
