// Names a service carries in its certificate, and the one rule for each kind of name: a service id is a DNS
// label, a world id a DNS-label-like slug of up to 80 characters (it goes into SPIFFE ids, file and dir names).
// Schemas (ids.ts, api.ts) and checks (validate.ts, @dw/pki) use these, never a pattern of their own.

/** A DNS label: lowercase letters, digits and '-', 1-63 characters, not starting or ending with '-'. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';
export const DNS_LABEL = new RegExp(DNS_LABEL_PATTERN);

/** A world id: lowercase letters, digits and '-', 1-80 characters, not starting or ending with '-'. */
export const MAX_WORLD_ID_LENGTH = 80;
export const WORLD_ID_PATTERN = `^[a-z0-9]([a-z0-9-]{0,${MAX_WORLD_ID_LENGTH - 2}}[a-z0-9])?$`;
export const WORLD_ID = new RegExp(WORLD_ID_PATTERN);

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

export function isWorldId(value: string): boolean {
  return WORLD_ID.test(value);
}

/** Longest slug a world id starts with (a suffix follows it); also what an exported world file is named after. */
export const SLUG_MAX = 40;

/** A name as a slug of DNS-label characters: "My Shop!" -> "my-shop"; "world" when nothing is left. */
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

/**
 * A world name no other world has, so two worlds are never told apart by id alone: "shop" when it is free, else
 * "shop (2)", "shop (3)"... (within a world name's 100 characters).
 */
export function uniqueWorldName(name: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(name)) return name;
  const base = name.replace(/ \(\d+\)$/, '');
  for (let i = 2; ; i++) {
    const suffix = ` (${i})`;
    const candidate = `${base.slice(0, 100 - suffix.length)}${suffix}`;
    if (!names.has(candidate)) return candidate;
  }
}

/** The SPIFFE id of a service: spiffe://<world-id>/<service-id>. */
export function spiffeId(worldId: string, serviceId: string): string {
  return `spiffe://${worldId}/${serviceId}`;
}

/** The service id inside a SPIFFE id of the given world, or null when it is not one of that world's. */
export function serviceIdFromSpiffe(worldId: string, uri: string): string | null {
  const prefix = `spiffe://${worldId}/`;
  if (!uri.startsWith(prefix)) return null;
  const rest = uri.slice(prefix.length);
  return rest.length > 0 && !rest.includes('/') ? rest : null;
}

/**
 * The controller's own identity in a world. '_' is not allowed in a service id, so it never
 * collides with a service. Services answer its /_dw/ probes (health, stats) and nothing else.
 */
export const CONTROLLER_ID = '_controller';
