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
