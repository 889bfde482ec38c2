import { CONTROLLER_ID, isDnsLabel, isWorldId, MAX_WORLD_ID_LENGTH } from '@dw/world';

/** A world id goes into URIs and names: the rule of @dw/world (the API's WorldId). */
export function checkWorldId(worldId: string): void {
  if (!isWorldId(worldId)) {
    throw new Error(
      `world id ${JSON.stringify(worldId)} must be 1-${MAX_WORLD_ID_LENGTH} lowercase letters, digits or "-"`,
    );
  }
}

export function checkServiceId(serviceId: string): void {
  if (serviceId !== CONTROLLER_ID && !isDnsLabel(serviceId)) {
    throw new Error(`service id ${JSON.stringify(serviceId)} must be a DNS label or "${CONTROLLER_ID}"`);
  }
}
