// Status: what a service's copies amount to, as the API (DeployedService) and service:status events say it.
import { combinedState, type DeployedService, type ReplicaStatus, type ServiceStatusEvent } from '@dw/world';
import type { ServiceProcess } from './service-process.js';

export function replicaStatus(p: ServiceProcess): ReplicaStatus {
  const gone = p.state === 'stopped';
  return { replica: p.replica, state: p.state, pid: gone ? null : p.pid, port: gone ? null : p.port };
}

/** A service from its copies (first to last): their combined state, the first one's pid and port, every copy. */
export function serviceStatus(serviceId: string, copies: readonly ServiceProcess[]): DeployedService {
  const first = copies[0];
  const status: DeployedService = {
    id: serviceId,
    state: combinedState(copies.map((p) => p.state)),
    pid: !first || first.state === 'stopped' ? null : first.pid,
    port: !first || first.state === 'stopped' ? null : first.port,
  };
  if (copies.length > 1) status.replicas = copies.map(replicaStatus);
  return status;
}

/** The status event of the service `process` is a copy of, with why it is in its state (of that copy). */
export function statusEvent(
  worldId: string,
  rev: number,
  process: ServiceProcess,
  copies: readonly ServiceProcess[],
): ServiceStatusEvent {
  const { replicas: _, ...service } = serviceStatus(process.id, copies);
  const event: ServiceStatusEvent = { worldId, rev, ...service };
  if (copies.length > 1) event.replicas = copies.map(replicaStatus);
  if (process.detail !== undefined) {
    event.detail = copies.length > 1 ? `replica ${process.replica}: ${process.detail}` : process.detail;
  }
  return event;
}
