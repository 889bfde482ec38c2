// World fixtures of the end-to-end specs.
import type { World } from '@dw/world';

/** A client calling orders, which fans out to payments and inventory. */
export const FAN_WORLD: World = {
  version: 1,
  name: 'fan',
  settings: { hopBudget: 8 },
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 120 }, config: { rps: 10 } },
    { id: 'orders', kind: 'service', position: { x: 280, y: 120 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'payments', kind: 'service', position: { x: 560, y: 30 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'inventory', kind: 'service', position: { x: 560, y: 210 }, config: { latencyMs: 2, errorRate: 0 } },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'l3', from: 'orders', to: 'inventory' },
  ],
};

/** The same world with every box on one spot, as a hand-written or generated file may have it. */
export const PILED_WORLD: World = {
  ...FAN_WORLD,
  name: 'piled',
  services: FAN_WORLD.services.map((s) => ({ ...s, position: { x: 0, y: 0 } })),
};
