// World fixtures for the server's tests.
import type { World } from '@dw/world';

/** A client calling a service that fans out to two more; no random errors, so every error means something. */
export const MESH_WORLD: World = {
  version: 1,
  name: 'mesh',
  settings: { hopBudget: 8 },
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 20 } },
    { id: 'orders', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'payments', kind: 'service', position: { x: 400, y: -80 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'inventory', kind: 'service', position: { x: 400, y: 80 }, config: { latencyMs: 1, errorRate: 0 } },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'l3', from: 'orders', to: 'inventory' },
  ],
};

/** The smallest world that makes traffic: one client calling one service. */
export const PAIR_WORLD: World = {
  version: 1,
  name: 'pair',
  services: [
    { id: 'caller', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 10 } },
    { id: 'callee', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
  ],
  links: [{ id: 'l1', from: 'caller', to: 'callee' }],
};

/** The mesh with the link into payments set to deny: orders still calls payments, payments refuses it. */
export const DENY_WORLD: World = {
  ...MESH_WORLD,
  name: 'deny',
  links: MESH_WORLD.links.map((l) => (l.to === 'payments' ? { ...l, policy: 'deny' as const } : l)),
};
