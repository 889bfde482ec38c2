import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE, LABEL_ROOM, LAYER_GAP, layeredLayout, ROW_ROOM } from './auto-layout';

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

describe('layeredLayout leaves room for link labels', () => {
  it('keeps LABEL_ROOM between a layer and the next, measured from the widest node of the layer', () => {
    const positions = layeredLayout({
      nodes: [
        { id: 'shopper', kind: 'client', width: 200, height: 64 },
        { id: 'orders', kind: 'service', width: 172, height: 64 },
        { id: 'payments', kind: 'service' },
      ],
      links: [
        { from: 'shopper', to: 'orders' },
        { from: 'orders', to: 'payments' },
      ],
    });
    expect(positions.get('orders')?.x).toBe(200 + LABEL_ROOM);
    expect(positions.get('payments')?.x).toBe(200 + LABEL_ROOM + 172 + LABEL_ROOM);
  });

  it('stacks a layer by the nodes’ heights (at least a running node’s), ROW_ROOM apart, centred on the tallest', () => {
    const positions = layeredLayout({
      nodes: [
        { id: 'orders', kind: 'client', width: 172, height: 64 },
        { id: 'payments', kind: 'service', width: 172, height: 140 },
        { id: 'inventory', kind: 'service', width: 172, height: 64 },
      ],
      links: [
        { from: 'orders', to: 'payments' },
        { from: 'orders', to: 'inventory' },
      ],
    });
    const y = (id: string) => positions.get(id)?.y ?? Number.NaN;
    const [upper, lower] = [y('payments'), y('inventory')].sort((a, b) => a - b) as [number, number];
    const upperHeight = upper === y('payments') ? 140 : DEFAULT_NODE.height;
    expect(lower - upper).toBe(upperHeight + ROW_ROOM);
    const column = 140 + DEFAULT_NODE.height + ROW_ROOM;
    expect(y('orders')).toBe(Math.round((column - DEFAULT_NODE.height) / 2));
  });
});
