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

/**
 * Two independent parts. `shopper` -> `gateway` -> `orders` -> (`payments`, `inventory`): a request three hops
 * deep with a fan-out at the end, for traces. `loader` (sending nothing itself) -> `edge` -> `store`: a test
 * drives `edge` with loader's identity and counts what completed, against the frames.
 */
export const OBSERVED_WORLD: World = {
  version: 1,
  name: 'observed',
  settings: { hopBudget: 8 },
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 10 } },
    { id: 'gateway', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'orders', kind: 'service', position: { x: 400, y: 0 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'payments', kind: 'service', position: { x: 600, y: -80 }, config: { latencyMs: 5, errorRate: 0 } },
    { id: 'inventory', kind: 'service', position: { x: 600, y: 80 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'loader', kind: 'client', position: { x: 0, y: 300 }, config: { rps: 0 } },
    { id: 'edge', kind: 'service', position: { x: 200, y: 300 }, config: { latencyMs: 0, errorRate: 0 } },
    { id: 'store', kind: 'service', position: { x: 400, y: 300 }, config: { latencyMs: 0, errorRate: 0 } },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'gateway' },
    { id: 'l2', from: 'gateway', to: 'orders' },
    { id: 'l3', from: 'orders', to: 'payments' },
    { id: 'l4', from: 'orders', to: 'inventory' },
    { id: 'l5', from: 'loader', to: 'edge' },
    { id: 'l6', from: 'edge', to: 'store' },
  ],
};

/** The mesh with the link into payments set to deny: orders still calls payments, payments refuses it. */
export const DENY_WORLD: World = {
  ...MESH_WORLD,
  name: 'deny',
  links: MESH_WORLD.links.map((l) => (l.to === 'payments' ? { ...l, policy: 'deny' as const } : l)),
};

/** A client calling orders -> payments, and an intruder in every mode against them. */
export const INTRUDER_WORLD: World = {
  version: 1,
  name: 'intruders',
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 10 } },
    { id: 'orders', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'payments', kind: 'service', position: { x: 400, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'nocert', kind: 'intruder', position: { x: 200, y: 150 }, config: { mode: 'no-cert', rps: 4 } },
    { id: 'outsider', kind: 'intruder', position: { x: 200, y: 250 }, config: { mode: 'foreign-ca', rps: 4 } },
    { id: 'stale', kind: 'intruder', position: { x: 200, y: 350 }, config: { mode: 'expired', rps: 4 } },
    { id: 'sneak', kind: 'intruder', position: { x: 200, y: 450 }, config: { mode: 'unlinked', rps: 4 } },
    {
      id: 'mallory',
      kind: 'intruder',
      position: { x: 400, y: 150 },
      config: { mode: 'impostor', impersonates: 'payments' },
    },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'i1', from: 'nocert', to: 'payments' },
    { id: 'i2', from: 'outsider', to: 'payments' },
    { id: 'i3', from: 'stale', to: 'payments' },
    { id: 'i4', from: 'sneak', to: 'payments' },
  ],
};
