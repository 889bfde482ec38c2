// Bundled templates: worlds a person can start from. Each is a valid World (the unit test checks).
import type { IntruderConfig, World, WorldService } from '@dw/world';

const client = (id: string, x: number, y: number, rps: number): WorldService => ({
  id,
  kind: 'client',
  position: { x, y },
  config: { rps },
});
const service = (id: string, x: number, y: number, latencyMs: number, errorRate = 0): WorldService => ({
  id,
  kind: 'service',
  position: { x, y },
  config: { latencyMs, errorRate },
});
const intruder = (id: string, x: number, y: number, config: IntruderConfig): WorldService => ({
  id,
  kind: 'intruder',
  position: { x, y },
  config,
});
const links = (...pairs: [string, string][]) => pairs.map(([from, to], i) => ({ id: `l${i + 1}`, from, to }));

/** Calls payments and inventory at once and answers with both: an order is placed when paid and in stock. */
const CHECKOUT_HANDLER = `// Runs for every call a linked caller makes. ctx.call reaches the services this one links to.
export default async (request, ctx) => {
  const item = ['hat', 'scarf', 'boots'][Math.floor(Math.random() * 3)];
  const [paid, stock] = await Promise.all([
    ctx.call('payments', { method: 'POST', path: '/charge', body: { item, amount: 12 } }),
    ctx.call('inventory', { method: 'GET', path: '/stock/' + item }),
  ]);
  if (paid.status !== 200) return { status: 402, body: { item, error: 'payment refused' } };
  const { left } = stock.json();
  return { status: left > 0 ? 200 : 409, body: { item, paid: paid.json().id, left } };
};
`;

const PAYMENTS_HANDLER = `// Charges an order: one in twenty cards is declined.
export default async (request, ctx) => {
  const { item, amount } = request.json();
  if (Math.random() < 0.05) return { status: 402, body: { declined: true } };
  return { body: { id: ctx.service + '-' + Date.now().toString(36), item, amount } };
};
`;

const INVENTORY_HANDLER = `// How many of an item are left (made up: a number from the item's name).
export default async (request) => {
  const item = request.path.split('/').pop();
  return { body: { item, left: item.length % 4 } };
};
`;

export interface Template {
  key: string;
  title: string;
  world: World;
}

export const TEMPLATES: readonly Template[] = [
  {
    key: 'order-queue',
    title: 'Shop with an order queue, a worker and a store',
    world: {
      version: 1,
      name: 'order queue',
      settings: { hopBudget: 8 },
      services: [
        { id: 'shop', kind: 'client', position: { x: 0, y: 130 }, config: { rps: 20, payloadBytes: 64 } },
        {
          id: 'orders',
          kind: 'queue',
          position: { x: 260, y: 130 },
          config: { inFlightPerConsumer: 16, maxAttempts: 5, backoffMs: 100, deliveryTimeoutMs: 3000 },
        },
        {
          id: 'worker',
          kind: 'service',
          position: { x: 520, y: 130 },
          config: { latencyMs: 2, store: { readShare: 0.3, writeShare: 0.7, keys: 500, valueBytes: 128 } },
        },
        { id: 'db', kind: 'store', position: { x: 780, y: 130 }, config: {} },
      ],
      links: links(['shop', 'orders'], ['orders', 'worker'], ['worker', 'db']),
    },
  },
  {
    key: 'gateway-shop',
    title: 'Shop behind a gateway (fan-out)',
    world: {
      version: 1,
      name: 'gateway shop',
      settings: { hopBudget: 8 },
      services: [
        client('shoppers', 0, 195, 20),
        service('gateway', 260, 195, 2),
        service('catalog', 520, 0, 5),
        service('cart', 520, 130, 4),
        service('orders', 520, 260, 8, 0.01),
        service('search', 520, 390, 12),
        service('payments', 780, 260, 15, 0.02),
      ],
      links: links(
        ['shoppers', 'gateway'],
        ['gateway', 'catalog'],
        ['gateway', 'cart'],
        ['gateway', 'orders'],
        ['gateway', 'search'],
        ['orders', 'payments'],
      ),
    },
  },
  {
    key: 'chain',
    title: 'A chain of five',
    world: {
      version: 1,
      name: 'chain',
      settings: { hopBudget: 8 },
      services: [
        client('caller', 0, 0, 10),
        service('hop-1', 260, 0, 2),
        service('hop-2', 520, 0, 2),
        service('hop-3', 780, 0, 2),
        service('hop-4', 1040, 0, 2),
      ],
      links: links(['caller', 'hop-1'], ['hop-1', 'hop-2'], ['hop-2', 'hop-3'], ['hop-3', 'hop-4']),
    },
  },
  {
    key: 'fan-out-fan-in',
    title: 'Fan-out, fan-in',
    world: {
      version: 1,
      name: 'fan-out fan-in',
      settings: { hopBudget: 8 },
      services: [
        client('requests', 0, 130, 10),
        service('splitter', 260, 130, 1),
        service('worker-a', 520, 0, 10),
        service('worker-b', 520, 130, 20),
        service('worker-c', 520, 260, 30, 0.05),
        service('store', 780, 130, 3),
      ],
      links: links(
        ['requests', 'splitter'],
        ['splitter', 'worker-a'],
        ['splitter', 'worker-b'],
        ['splitter', 'worker-c'],
        ['worker-a', 'store'],
        ['worker-b', 'store'],
        ['worker-c', 'store'],
      ),
    },
  },
  {
    key: 'mtls-under-attack',
    title: 'mTLS under attack',
    world: {
      version: 1,
      name: 'mtls under attack',
      settings: { hopBudget: 8 },
      services: [
        client('shoppers', 0, 150, 10),
        service('orders', 340, 150, 3),
        service('payments', 680, 150, 5),
        intruder('no-cert', 0, 470, { mode: 'no-cert', rps: 2 }),
        intruder('forger', 340, 470, { mode: 'foreign-ca', rps: 2 }),
        intruder('stale', 680, 470, { mode: 'expired', rps: 2 }),
        intruder('stranger', 1000, -60, { mode: 'unlinked', rps: 2 }),
      ],
      links: [
        ...links(['shoppers', 'orders'], ['orders', 'payments']),
        { id: 'l3', from: 'no-cert', to: 'orders' },
        { id: 'l4', from: 'forger', to: 'orders' },
        { id: 'l5', from: 'stale', to: 'payments' },
        { id: 'l6', from: 'stranger', to: 'payments' },
      ],
    },
  },
  {
    key: 'own-handlers',
    title: 'Your own code: a checkout that calls payments and inventory',
    world: {
      version: 1,
      name: 'own handlers',
      settings: { hopBudget: 8 },
      services: [
        client('shoppers', 0, 130, 5),
        { id: 'checkout', kind: 'service', position: { x: 260, y: 130 }, config: { handler: CHECKOUT_HANDLER } },
        { id: 'payments', kind: 'service', position: { x: 520, y: 0 }, config: { handler: PAYMENTS_HANDLER } },
        { id: 'inventory', kind: 'service', position: { x: 520, y: 260 }, config: { handler: INVENTORY_HANDLER } },
      ],
      links: links(['shoppers', 'checkout'], ['checkout', 'payments'], ['checkout', 'inventory']),
    },
  },
];
