// The routes a service process answers for the controller (and only for it: its SPIFFE id, CONTROLLER_ID), as
// one table: the service dispatches by it, the controller calls by it, and the 403 for anything else lists it.
import Type, { type Static, type TSchema } from 'typebox';
import { RuntimeFaults, RuntimeLoad } from './faults.js';
import { ServiceId } from './ids.js';
import { ServiceStats } from './telemetry.js';

const strict = { additionalProperties: false } as const;

/** GET /_dw/health: the process listens and serves. */
export const ServiceHealth = Type.Object({ ok: Type.Literal(true), serviceId: ServiceId, pid: Type.Integer() }, strict);
export type ServiceHealth = Static<typeof ServiceHealth>;

export interface ServiceRoute {
  method: 'GET' | 'PUT';
  path: string;
  /** The JSON body it takes (PUT), checked by the service: 400 when it does not match. */
  body?: TSchema;
  /** What it answers with (200). */
  answer: TSchema;
  /** For people. */
  does: string;
}

export const SERVICE_ROUTES = {
  health: { method: 'GET', path: '/_dw/health', answer: ServiceHealth, does: 'it listens and serves' },
  stats: {
    method: 'GET',
    path: '/_dw/stats',
    answer: ServiceStats,
    does: 'its totals since it started, and its memory',
  },
  faults: {
    method: 'GET',
    path: '/_dw/faults',
    answer: RuntimeFaults,
    does: 'the faults on its outbound links',
  },
  setFaults: {
    method: 'PUT',
    path: '/_dw/faults',
    body: RuntimeFaults,
    answer: RuntimeFaults,
    does: 'replace the faults on its outbound links',
  },
  setLoad: {
    method: 'PUT',
    path: '/_dw/load',
    body: RuntimeLoad,
    answer: RuntimeLoad,
    does: "a client's rate from now on (its ramp ends); only a kind with load control answers it",
  },
} as const satisfies Record<string, ServiceRoute>;

export type ServiceRouteName = keyof typeof SERVICE_ROUTES;

const ROUTE_NAMES = Object.keys(SERVICE_ROUTES) as ServiceRouteName[];

/** The route a controller request is for (the query string is ignored), or undefined. */
export function serviceRouteOf(method: string | undefined, url: string | undefined): ServiceRouteName | undefined {
  const path = (url ?? '/').split('?')[0];
  return ROUTE_NAMES.find((name) => SERVICE_ROUTES[name].method === method && SERVICE_ROUTES[name].path === path);
}

/** "GET /_dw/health, GET /_dw/stats, GET/PUT /_dw/faults and PUT /_dw/load": what the controller may call. */
export function describeServiceRoutes(): string {
  const byPath = new Map<string, string[]>();
  for (const name of ROUTE_NAMES) {
    const { method, path } = SERVICE_ROUTES[name];
    byPath.set(path, [...(byPath.get(path) ?? []), method]);
  }
  const parts = [...byPath].map(([path, methods]) => `${methods.join('/')} ${path}`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
}
