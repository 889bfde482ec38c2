import { deployDecision, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { MESH_WORLD } from '../testing/worlds.js';
import { redeployLayout } from './redeploy-layout.js';

/** What runs: orders as 3 copies on 5001-5003, every other node once on 4001... */
const running = [
  { id: 'shopper', replica: 1, port: 4001 },
  { id: 'orders', replica: 1, port: 5001 },
  { id: 'orders', replica: 2, port: 5002 },
  { id: 'orders', replica: 3, port: 5003 },
  { id: 'payments', replica: 1, port: 4003 },
  { id: 'inventory', replica: 1, port: 4004 },
];
const withOrders = (replicas: number, change: (w: World) => void = () => {}): World => {
  const world = structuredClone(MESH_WORLD);
  for (const s of world.services) if (s.id === 'orders' && s.kind === 'service') s.replicas = replicas;
  change(world);
  return world;
};
const layoutOf = (next: World) => redeployLayout(running, next, deployDecision(withOrders(3), next).plan);

describe('redeployLayout', () => {
  it('keeps the ports of the copies a scaled-down service keeps, and ends the others after withdrawing them', () => {
    const layout = layoutOf(withOrders(1));
    expect(layout.ending.map((p) => p.port)).toEqual([5002, 5003]);
    expect([...layout.gonePorts]).toEqual([5002, 5003]);
    expect(layout.needed).toBe(0);
    expect(layout.ports([]).get('orders')).toEqual([5001]);
    expect(layout.fresh).toEqual([]);
  });

  it('gives a scaled-up service new ports above the ones it keeps', () => {
    const layout = layoutOf(withOrders(5));
    expect(layout.ending).toEqual([]);
    expect(layout.needed).toBe(2);
    expect(layout.ports([6001, 6002]).get('orders')).toEqual([5001, 5002, 5003, 6001, 6002]);
  });

  it('restarts a changed service on its old ports, and starts an added one on new ports', () => {
    const layout = layoutOf(
      withOrders(3, (w) => {
        for (const s of w.services) if (s.id === 'payments' && s.kind === 'service') s.config = { latencyMs: 9 };
        w.services.push({ id: 'audit', kind: 'service', position: { x: 0, y: 0 }, config: {} });
      }),
    );
    expect(layout.fresh.sort()).toEqual(['audit', 'payments']);
    expect(layout.ending.map((p) => p.id)).toEqual(['payments']);
    expect(layout.gonePorts.size).toBe(0); // a restart comes back at the same address: nothing to withdraw
    expect(layout.needed).toBe(1);
    const ports = layout.ports([7001]);
    expect(ports.get('payments')).toEqual([4003]);
    expect(ports.get('audit')).toEqual([7001]);
    expect(() => layout.ports([])).toThrow('no port left for a copy of "audit"');
  });
});
