import type { World } from './world.js';

/** The world the page opens on: a shopper calling a shop whose orders fan out. Ready to deploy. */
export const EXAMPLE_WORLD: World = {
  version: 1,
  name: 'shop',
  settings: { hopBudget: 8 },
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 120 }, config: { rps: 20 } },
    { id: 'orders', kind: 'service', position: { x: 380, y: 120 }, config: { latencyMs: 5, errorRate: 0 } },
    {
      id: 'payments',
      kind: 'service',
      position: { x: 760, y: 10 },
      config: { latencyMs: { min: 2, max: 20 }, errorRate: 0.01 },
    },
    { id: 'inventory', kind: 'service', position: { x: 760, y: 230 }, config: { latencyMs: 3, errorRate: 0 } },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'l3', from: 'orders', to: 'inventory' },
  ],
};
