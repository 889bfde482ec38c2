// A service's store workload (its config's `store`) as the inspector edits it: one field at a time, a field left
// empty takes its default, and a workload with no field left is no workload at all.
import { DEFAULT_STORE_WORKLOAD, type ServiceConfig, type StoreWorkload } from '@dw/world';

/** `config` with one field of its store workload set (or cleared: undefined). */
export function withWorkloadField(
  config: ServiceConfig,
  key: keyof StoreWorkload,
  value: number | undefined,
): ServiceConfig {
  const { [key]: _, ...rest } = config.store ?? {};
  const next: StoreWorkload = value === undefined ? rest : { ...rest, [key]: value };
  const { store: __, ...others } = config;
  return Object.keys(next).length > 0 ? { ...others, store: next } : others;
}

/** The share of its store calls that are DELETEs: what reads and writes leave (never below 0). */
export function deleteShareOf(workload: StoreWorkload | undefined): number {
  const reads = workload?.readShare ?? DEFAULT_STORE_WORKLOAD.readShare;
  const writes = workload?.writeShare ?? DEFAULT_STORE_WORKLOAD.writeShare;
  return Math.max(0, Math.round((1 - reads - writes) * 1000) / 1000);
}

/** True when a link of node `id` leads to a store (a node its callers call with GET/PUT/DELETE of keys). */
export function linksToStore(
  id: string,
  nodes: readonly { id: string; data: { kind: string } }[],
  edges: readonly { source: string; target: string }[],
): boolean {
  return edges.some((e) => e.source === id && nodes.find((n) => n.id === e.target)?.data.kind === 'store');
}
