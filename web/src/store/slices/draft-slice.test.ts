import { describe, expect, it } from 'vitest';
import { selectDraftWorld } from '../editor-store';
import { fakeHttp, openExample } from '../fake-http';

describe('draft slice', () => {
  it("links where the kinds' facts allow: from a gateway to a service, never into a gateway or client", async () => {
    const store = await openExample();
    const { actions } = store.getState();
    expect(actions.addNode('gateway', { x: 0, y: 300 })).toBe('gateway-1');
    expect(actions.canConnect({ source: 'gateway-1', target: 'orders' })).toBe(true);
    expect(actions.canConnect({ source: 'orders', target: 'gateway-1' })).toBe(false);
    expect(actions.canConnect({ source: 'shopper', target: 'gateway-1' })).toBe(false);
    actions.connect({ source: 'gateway-1', target: 'orders', sourceHandle: null, targetHandle: null });
    expect(selectDraftWorld(store.getState()).links.at(-1)).toEqual({ id: 'l4', from: 'gateway-1', to: 'orders' });
    expect(selectDraftWorld(store.getState()).services.at(-1)).toMatchObject({ kind: 'gateway', config: {} });
    expect(store.getState().problems.list).toEqual([]);
  });

  it('lets an impostor have no links of its own', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    const id = actions.addNode('intruder', { x: 0, y: 300 });
    expect(actions.canConnect({ source: id, target: 'orders' })).toBe(true);
    actions.setNodeData(id, { kind: 'intruder', config: { mode: 'impostor', impersonates: 'payments' } });
    expect(actions.canConnect({ source: id, target: 'orders' })).toBe(false);
    expect(actions.canConnect({ source: 'orders', target: id })).toBe(false);
  });

  it('remembers the draft world per store: each store keeps its own, until its draft changes', async () => {
    const a = await openExample();
    const b = await openExample(fakeHttp());
    const worldA = selectDraftWorld(a.getState());
    const worldB = selectDraftWorld(b.getState());
    expect(worldB).not.toBe(worldA);
    expect(selectDraftWorld(a.getState())).toBe(worldA);
    expect(selectDraftWorld(b.getState())).toBe(worldB);
    a.getState().actions.setName('changed');
    expect(selectDraftWorld(a.getState())).not.toBe(worldA);
    expect(selectDraftWorld(a.getState()).name).toBe('changed');
  });
});
