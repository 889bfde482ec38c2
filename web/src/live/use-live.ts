// Narrow subscriptions to the traffic store: each returns one primitive or one stable object.

import { useTraffic, useTrafficShown } from '../store/editor-context';
import type { RefusalLive, ReplicaLive } from './traffic-store';

/** A service's state while deployed; "idle" when nothing about it runs. */
export function useServiceState(id: string): string {
  return useTraffic((s) => s.services[id]?.state ?? 'idle');
}

/** The step the latest deploy of a service reached (deploy:progress), or undefined when it started none. */
export function useDeployStep(id: string): string | undefined {
  return useTraffic((s) => s.progress[id]?.step);
}

/** Each copy of a service that runs more than once (undefined otherwise); a stable array while nothing changes. */
export function useReplicas(id: string): ReplicaLive[] | undefined {
  return useTraffic((s) => s.services[id]?.replicas);
}

export function useServiceDetail(id: string): string | undefined {
  return useTraffic((s) => s.services[id]?.detail);
}

/** On the display clock (see display-clock.ts), like every number repeated across the canvas. */
export function useAcceptedRate(id: string): number {
  return useTrafficShown((s) => s.services[id]?.acceptedRate ?? 0);
}

/** Requests per second a caller sends over all its links. */
export function useSentRate(id: string): number {
  return useTrafficShown((s) => {
    let sum = 0;
    for (const link of Object.values(s.links)) if (link.from === id) sum += link.rate;
    return Math.round(sum * 10) / 10;
  });
}

const NONE: RefusalLive[] = [];
export function useRefusals(id: string): RefusalLive[] {
  return useTraffic((s) => s.refusals[id] ?? NONE);
}

/** The latest value of a figure a node's kind reports (a queue's depth), on the display clock; undefined before any. */
export function useGauge(id: string, name: string): number | undefined {
  return useTrafficShown((s) => s.services[id]?.gauges?.[name]);
}
