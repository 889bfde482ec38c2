// The controller's fault routes, typed with the contract: inject, remove, kill, start again, restart. Failures are ApiError with the
// server's sentence, like every other call.
import type { ActiveFault, FaultList, FaultSpec, Killed, ServiceStarted } from '@dw/world';
import { request, worldPath } from '../api/http-client';

export const faultClient = {
  list: (worldId: string) => request<FaultList>('GET', `${worldPath(worldId)}/faults`),
  add: (worldId: string, fault: FaultSpec) => request<ActiveFault>('POST', `${worldPath(worldId)}/faults`, fault),
  remove: (worldId: string, faultId: string) =>
    request<FaultList>('DELETE', `${worldPath(worldId)}/faults/${encodeURIComponent(faultId)}`),
  /** One copy when `replica` is given, every copy otherwise. */
  kill: (worldId: string, serviceId: string, replica?: number) =>
    request<Killed>(
      'POST',
      `${worldPath(worldId)}/deploy/services/${encodeURIComponent(serviceId)}/kill${replica !== undefined ? `?replica=${replica}` : ''}`,
    ),
  /** Starts again the copies that are down (killed with restart "no", crashed). */
  start: (worldId: string, serviceId: string) =>
    request<ServiceStarted>('POST', `${worldPath(worldId)}/deploy/services/${encodeURIComponent(serviceId)}/start`),
  /** Restarts by hand (SIGTERM, then a new process on the same port): one copy with `replica`, every copy otherwise. */
  restart: (worldId: string, serviceId: string, replica?: number) =>
    request<ServiceStarted>(
      'POST',
      `${worldPath(worldId)}/deploy/services/${encodeURIComponent(serviceId)}/restart${replica !== undefined ? `?replica=${replica}` : ''}`,
    ),
};
