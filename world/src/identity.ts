// Names a service carries in its certificate.

/** A DNS label: lowercase letters, digits and '-', 1-63 characters, not starting or ending with '-'. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
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
