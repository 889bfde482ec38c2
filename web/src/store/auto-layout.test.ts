import { describe, expect, it } from 'vitest';
import { LAYER_GAP, layeredLayout } from './auto-layout';

describe('layeredLayout', () => {
  it('puts each service one layer right of its deepest caller, fan-outs stacked, no two nodes on one spot', () => {
    const positions = layeredLayout({
      nodes: [
        { id: 'payments', kind: 'service' },
        { id: 'shopper', kind: 'client' },
        { id: 'orders', kind: 'service' },
        { id: 'inventory', kind: 'service' },
        { id: 'audit', kind: 'service' },
      ],
      links: [
        { from: 'shopper', to: 'orders' },
        { from: 'orders', to: 'payments' },
        { from: 'orders', to: 'inventory' },
        { from: 'payments', to: 'audit' },
        { from: 'orders', to: 'audit' },
      ],
    });
    const x = (id: string) => positions.get(id)?.x;
    expect([x('shopper'), x('orders'), x('payments'), x('inventory'), x('audit')]).toEqual([
      0,
      LAYER_GAP,
      2 * LAYER_GAP,
      2 * LAYER_GAP,
      3 * LAYER_GAP,
    ]);
    const spots = new Set([...positions.values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(5);
  });

  it('terminates on cycles and places every node', () => {
    const positions = layeredLayout({
      nodes: [
        { id: 'a', kind: 'service' },
        { id: 'b', kind: 'service' },
        { id: 'c', kind: 'service' },
      ],
      links: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ],
    });
    expect(positions.size).toBe(3);
    expect(new Set([...positions.values()].map((p) => p.x)).size).toBe(3);
  });
});
