import { CONTROLLER_ID, isDnsLabel } from '@dw/world';

/** A world id goes into URIs and names: the same rule as the API's WorldId (a DNS-label-like slug). */
const WORLD_ID = /^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$/;

export function checkWorldId(worldId: string): void {
  if (!WORLD_ID.test(worldId)) {
    throw new Error(`world id ${JSON.stringify(worldId)} must be 1-80 lowercase letters, digits or "-"`);
  }
}

export function checkServiceId(serviceId: string): void {
  if (serviceId !== CONTROLLER_ID && !isDnsLabel(serviceId)) {
    throw new Error(`service id ${JSON.stringify(serviceId)} must be a DNS label or "${CONTROLLER_ID}"`);
  }
}
