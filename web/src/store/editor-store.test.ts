import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { ApiError, type HttpClient } from '../api/http-client';
import { createTrafficStore } from '../live/traffic-store';
import { createEditorStore, selectDirty, selectDraftWorld } from './editor-store';

function fakeHttp(overrides: Partial<HttpClient> = {}): HttpClient {
  const record: WorldRecord = { id: 'shop', rev: 1, world: structuredClone(EXAMPLE_WORLD) };
  const fail = () => Promise.reject(new Error('not in this test'));
  return {
    listWorlds: async () => [{ id: 'shop', name: 'shop', updatedAt: '2026-01-01T00:00:00Z' }],
    createWorld: fail,
    getWorld: async () => structuredClone(record),
    saveWorld: async (_id, body) => ({ id: 'shop', rev: body.rev + 1, world: body.world as WorldRecord['world'] }),
    deleteWorld: fail,
    deploy: async () => ({ rev: 2 }),
    deployStatus: async () => ({ rev: null, services: [] }),
    stop: async () => undefined,
    serviceCertificate: fail,
    renewIdentities: fail,
    rotateCa: fail,
    ...overrides,
  };
}

async function openExample(http = fakeHttp()) {
  const store = createEditorStore({ http, traffic: createTrafficStore() });
  await store.getState().actions.boot();
  return store;
}

describe('editor store', () => {
  it('keeps a deny policy through the draft, and drops it when the link allows again', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    actions.setLinkPolicy('l2', 'deny');
    expect(selectDraftWorld(store.getState()).links.find((l) => l.id === 'l2')).toEqual({
      id: 'l2',
      from: 'orders',
      to: 'payments',
      policy: 'deny',
    });
    expect(selectDirty(store.getState())).toBe(true);
    actions.setLinkPolicy('l2', 'allow');
    expect(selectDraftWorld(store.getState()).links.find((l) => l.id === 'l2')).toEqual({
      id: 'l2',
      from: 'orders',
      to: 'payments',
    });
  });

  it('opens the newest world, valid and clean', async () => {
    const store = await openExample();
    expect(store.getState().worldId).toBe('shop');
    expect(store.getState().problems.list).toEqual([]);
    expect(selectDirty(store.getState())).toBe(false);
    expect(selectDraftWorld(store.getState())).toEqual(EXAMPLE_WORLD);
  });

  it('renames a node and rewrites its links; refuses a taken id', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    expect(actions.renameNode('orders', 'checkout')).toBe(true);
    expect(actions.renameNode('checkout', 'payments')).toBe(false);
    const world = selectDraftWorld(store.getState());
    expect(world.links.map((l) => `${l.from}>${l.to}`)).toEqual([
      'shopper>checkout',
      'checkout>payments',
      'checkout>inventory',
    ]);
    expect(selectDirty(store.getState())).toBe(true);
  });

  it('adds nodes with fresh ids and connects them, but never into a client, to itself or twice', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    expect(actions.addNode('service', { x: 0, y: 0 })).toBe('service-1');
    expect(actions.addNode('client', { x: 0, y: 0 })).toBe('client-1');
    expect(actions.canConnect({ source: 'orders', target: 'shopper' })).toBe(false);
    expect(actions.canConnect({ source: 'orders', target: 'orders' })).toBe(false);
    expect(actions.canConnect({ source: 'orders', target: 'payments' })).toBe(false);
    actions.connect({ source: 'client-1', target: 'service-1', sourceHandle: null, targetHandle: null });
    expect(store.getState().edges.at(-1)).toMatchObject({ id: 'l4', source: 'client-1', target: 'service-1' });
  });

  it('maps a bad value to its node and field', async () => {
    const store = await openExample();
    store.getState().actions.setNodeData('shopper', { kind: 'client', config: { rps: Number.NaN } });
    expect(store.getState().problems.nodes.shopper?.['config/rps']).toMatch(/rps/);
  });

  it('saves with the base revision, and on 409 keeps the draft and offers a reload', async () => {
    let conflict = false;
    const store = await openExample(
      fakeHttp({
        saveWorld: async (_id, body) => {
          if (conflict) throw new ApiError(409, 'world "shop" is at rev 3', 'conflict');
          return { id: 'shop', rev: body.rev + 1, world: body.world as WorldRecord['world'] };
        },
      }),
    );
    store.getState().actions.setName('shop two');
    expect(await store.getState().actions.save()).toBe(true);
    expect(store.getState().baseRev).toBe(2);
    expect(selectDirty(store.getState())).toBe(false);

    conflict = true;
    store.getState().actions.setName('shop three');
    expect(await store.getState().actions.save()).toBe(false);
    expect(store.getState().name).toBe('shop three');
    expect(store.getState().toasts.at(-1)).toMatchObject({ title: 'Someone else changed this world' });
    expect(store.getState().toasts.at(-1)?.action?.label).toBe('Reload');
  });

  it('deploy saves a dirty draft first, then records the deployed revision', async () => {
    const calls: string[] = [];
    const http = fakeHttp();
    const store = await openExample({
      ...http,
      saveWorld: async (id, body) => {
        calls.push('save');
        return http.saveWorld(id, body);
      },
      deploy: async () => {
        calls.push('deploy');
        return { rev: 2 };
      },
    });
    store.getState().actions.setHopBudget(4);
    await store.getState().actions.deploy();
    expect(calls).toEqual(['save', 'deploy']);
    expect(store.getState().deployedRev).toBe(2);
  });
});
