// The ids of the world file, in their own module so that every schema can use them without import cycles.
import Type from 'typebox';

export const ServiceId = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'A DNS label: lowercase letters, digits and "-", 1-63 characters, unique in its world.',
});

export const LinkId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Copies of one service at most (a service node's `replicas`); here so that every schema can use it. */
export const MAX_REPLICAS = 10;
