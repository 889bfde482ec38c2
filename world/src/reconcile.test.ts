import { describe, expect, it } from 'vitest';
import { EXAMPLE_WORLD } from './example.js';
import { type DeployPlan, deployDecision, describePlan, planDeploy } from './reconcile.js';
import type { ServiceNode, World } from './world.js';

const base: World = JSON.parse(JSON.stringify(EXAMPLE_WORLD));
const edit = (change: (w: World) => void): World => {
  const w: World = JSON.parse(JSON.stringify(base));
  change(w);
  return w;
};
const all = ['inventory', 'orders', 'payments', 'shopper'];

describe('planDeploy', () => {
  const orders = (w: World) => w.services.find((s) => s.id === 'orders') as ServiceNode;
  const scaled = (n: number | undefined) =>
    edit((w) => {
      orders(w).replicas = n;
      if (n === undefined) delete orders(w).replicas;
    });
  it.each<[string, World | null, World, Partial<DeployPlan>]>([
    ['first deploy starts everything', null, base, { start: all }],
    ['the same world keeps everything', base, base, { keep: all }],
    [
      'a position-only edit restarts nothing',
      base,
      edit((w) => {
        w.services[1]!.position = { x: 999, y: -5 };
      }),
      { keep: all },
    ],
    [
      'a renamed world restarts nothing',
      base,
      edit((w) => {
        w.name = 'other';
      }),
      { keep: all },
    ],
    [
      'a changed config restarts only that service',
      base,
      edit((w) => {
        (w.services[2]!.config as { errorRate: number }).errorRate = 0.5;
      }),
      { restart: ['payments'], keep: ['inventory', 'orders', 'shopper'] },
    ],
    [
      'a changed handler restarts only that service',
      base,
      edit((w) => {
        (w.services[2]!.config as { handler: string }).handler = 'export default async () => ({ body: 1 });';
      }),
      { restart: ['payments'], keep: ['inventory', 'orders', 'shopper'] },
    ],
    [
      'config key order does not matter',
      base,
      edit((w) => {
        w.services[1]!.config = { errorRate: 0, latencyMs: 5 };
      }),
      { keep: all },
    ],
    [
      'a new link restarts its caller and callee',
      base,
      edit((w) => {
        w.links.push({ id: 'l9', from: 'payments', to: 'inventory' });
      }),
      { restart: ['inventory', 'payments'], keep: ['orders', 'shopper'] },
    ],
    [
      'a link turned to deny restarts only its callee (the caller still calls)',
      base,
      edit((w) => {
        w.links[1]!.policy = 'deny';
      }),
      { restart: ['payments'], keep: ['inventory', 'orders', 'shopper'] },
    ],
    [
      'an impostor restarts the callers of the service it impersonates, and only them',
      base,
      edit((w) => {
        w.services.push({
          id: 'mallory',
          kind: 'intruder',
          position: { x: 0, y: 0 },
          config: { mode: 'impostor', impersonates: 'payments' },
        });
      }),
      { start: ['mallory'], restart: ['orders'], keep: ['inventory', 'payments', 'shopper'] },
    ],
    [
      "an intruder's link restarts none of its targets (it is no permission)",
      base,
      edit((w) => {
        w.services.push({ id: 'eve', kind: 'intruder', position: { x: 0, y: 0 }, config: { mode: 'unlinked' } });
        w.links.push({ id: 'e1', from: 'eve', to: 'payments' });
      }),
      { start: ['eve'], keep: all },
    ],
    [
      'an explicit allow is the same as no policy',
      base,
      edit((w) => {
        w.links[1]!.policy = 'allow';
      }),
      { keep: all },
    ],
    [
      'an added service starts, its caller restarts',
      base,
      edit((w) => {
        w.services.push({ id: 'audit', kind: 'service', position: { x: 0, y: 0 }, config: {} });
        w.links.push({ id: 'l9', from: 'orders', to: 'audit' });
      }),
      { start: ['audit'], restart: ['orders'], keep: ['inventory', 'payments', 'shopper'] },
    ],
    [
      'a removed service stops, its caller restarts',
      base,
      edit((w) => {
        w.services = w.services.filter((s) => s.id !== 'inventory');
        w.links = w.links.filter((l) => l.to !== 'inventory');
      }),
      { stop: ['inventory'], restart: ['orders'], keep: ['payments', 'shopper'] },
    ],
    [
      'a changed hop budget restarts everything',
      base,
      edit((w) => {
        w.settings = { hopBudget: 3 };
      }),
      { restart: all },
    ],
    [
      'more replicas scale the service up: no restart, not even of its callers',
      base,
      scaled(3),
      { scale: [{ id: 'orders', from: 1, to: 3 }], keep: ['inventory', 'payments', 'shopper'] },
    ],
    [
      'fewer replicas scale it down',
      scaled(3),
      scaled(2),
      { scale: [{ id: 'orders', from: 3, to: 2 }], keep: ['inventory', 'payments', 'shopper'] },
    ],
    ['replicas: 1 is the same as no replicas field', scaled(1), scaled(undefined), { keep: all }],
    ['the same replica count keeps everything', scaled(3), scaled(3), { keep: all }],
    [
      'a changed config and count restarts the service (every copy, at the new count), and is no scale',
      scaled(3),
      edit((w) => {
        orders(w).replicas = 2;
        orders(w).config.errorRate = 0.5;
      }),
      { restart: ['orders'], keep: ['inventory', 'payments', 'shopper'] },
    ],
    ['a first deploy with replicas is a start', null, scaled(3), { start: all }],
  ])('%s', (_name, previous, next, expected) => {
    expect(planDeploy(previous, next)).toEqual({ start: [], restart: [], stop: [], keep: [], scale: [], ...expected });
  });

  it('describes a plan for people', () => {
    expect(describePlan({ start: ['a', 'b'], restart: ['c'], stop: ['d'], keep: [], scale: [] })).toBe(
      '2 start, 1 restart, 1 stop',
    );
    expect(describePlan({ start: [], restart: [], stop: [], keep: ['a'], scale: [] })).toBe('nothing to change');
    expect(describePlan({ start: [], restart: [], stop: [], keep: ['a'], scale: [{ id: 'b', from: 3, to: 2 }] })).toBe(
      'b 3→2 replicas',
    );
  });
});

describe('deployDecision', () => {
  const lifetime = (minutes: number) => edit((w) => (w.settings = { ...w.settings, leafLifetimeMinutes: minutes }));
  const withReplicas = (w: World) => {
    const orders = w.services.find((s) => s.id === 'orders') as ServiceNode;
    orders.replicas = 2;
    return w;
  };
  it.each<[string, World | null, World, ReturnType<typeof deployDecision>['mode'], Partial<DeployPlan>]>([
    ['nothing runs: a fresh deployment', null, base, 'fresh', { start: all }],
    ['the same leaf lifetime: changed in place', base, edit(() => {}), 'in-place', { keep: all }],
    [
      'a new leaf lifetime restarts every process, as a new deployment',
      base,
      lifetime(60),
      'replace',
      { restart: all },
    ],
    [
      'a new leaf lifetime restarts a scaled service too, and still starts and stops the others',
      base,
      withReplicas(
        edit((w) => {
          w.settings = { leafLifetimeMinutes: 60 };
          w.services = w.services.filter((s) => s.id !== 'inventory');
          w.links = w.links.filter((l) => l.to !== 'inventory');
        }),
      ),
      'replace',
      { restart: ['orders', 'payments', 'shopper'], stop: ['inventory'] },
    ],
  ])('%s', (_name, previous, next, mode, plan) => {
    expect(deployDecision(previous, next)).toEqual({
      mode,
      plan: { start: [], restart: [], stop: [], keep: [], scale: [], ...plan },
    });
  });
});
