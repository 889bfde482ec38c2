import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http-client';
import { selectDirty, selectDraftWorld } from './editor-store';
import { fakeHttp, openExample } from './fake-http';

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
    expect(store.getState().problems.nodes.shopper?.['config/rps']).toMatch(/^rate \(req\/s\) must be/);
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

  it('saves one at a time: a save asked for while another is in flight never reuses its base revision', async () => {
    // The server's rule: a save must carry the current revision (else 409). Saves answer slowly, so the second
    // is asked for while the first is in flight (autosave firing as Apply plan saves before deploying).
    let rev = 1;
    const revsSent: number[] = [];
    const store = await openExample(
      fakeHttp({
        saveWorld: async (_id, body) => {
          revsSent.push(body.rev);
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (body.rev !== rev) throw new ApiError(409, `world "shop" is at rev ${rev}`, 'conflict');
          rev += 1;
          return { id: 'shop', rev, world: body.world as WorldRecord['world'] };
        },
      }),
    );
    const { actions } = store.getState();
    actions.setName('first');
    const first = actions.save();
    const second = actions.save(); // nothing new since: the first save covers it
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(revsSent).toEqual([1]);

    actions.setName('second');
    const third = actions.save();
    actions.setName('third'); // an edit while that save is in flight: the next save carries it, on the new rev
    const fourth = actions.save();
    expect(await Promise.all([third, fourth])).toEqual([true, true]);
    expect(revsSent).toEqual([1, 2, 3]);
    expect(store.getState().baseRev).toBe(4);
    expect(selectDirty(store.getState())).toBe(false);
    expect(store.getState().toasts.filter((t) => t.title === 'Someone else changed this world')).toEqual([]);
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

  it('opens an imported compose file, keeps its display metadata through edits, and shows its warnings', async () => {
    const imported: WorldRecord = {
      id: 'stack-1',
      rev: 1,
      world: {
        version: 1,
        name: 'stack',
        services: [
          {
            id: 'web',
            kind: 'service',
            position: { x: 0, y: 0 },
            config: { latencyMs: 5 },
            display: { image: 'nginx:1.25', ports: ['8080:80'] },
          },
        ],
        links: [],
      },
    };
    const saved: unknown[] = [];
    const store = await openExample(
      fakeHttp({
        importCompose: async () => ({
          ...structuredClone(imported),
          warnings: [{ pointer: '/volumes', message: 'left out' }],
        }),
        getWorld: async () => structuredClone(imported),
        saveWorld: async (_id, body) => {
          saved.push(body.world);
          return { id: 'stack-1', rev: body.rev + 1, world: body.world as WorldRecord['world'] };
        },
      }),
    );
    const { actions } = store.getState();
    await actions.importCompose('services: {}', 'compose.yaml');
    expect(store.getState().worldId).toBe('stack-1');
    expect(store.getState().toasts.at(-1)).toMatchObject({
      tone: 'info',
      title: 'Imported compose.yaml: 1 service, 0 links',
      message: '/volumes: left out',
    });
    actions.setNodeData('web', { kind: 'service', config: { latencyMs: 9 } });
    expect(selectDirty(store.getState())).toBe(true);
    expect(await actions.exportCompose()).toBe('/api/worlds/stack-1/compose');
    expect(saved).toHaveLength(1); // exporting saved the edit first
    expect((saved[0] as WorldRecord['world']).services[0]).toMatchObject({
      config: { latencyMs: 9 },
      display: { image: 'nginx:1.25', ports: ['8080:80'] },
    });
  });

  it('knows when the controller only observes a compose deployment', async () => {
    expect((await openExample()).getState().observing).toBeNull();
    const store = await openExample(fakeHttp({ health: async () => ({ ok: true, observing: 'shop' }) }));
    expect(store.getState().observing).toBe('shop');
    expect(store.getState().worldId).toBe('shop');
  });

  it('undoes and redoes every kind of edit, one step each, and undo back to the save is clean', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    const world = () => selectDraftWorld(store.getState());
    const initial = world();
    actions.addNode('service', { x: 0, y: 300 }); // add
    actions.connect({ source: 'orders', target: 'service-1', sourceHandle: null, targetHandle: null }); // connect
    actions.setNodeData('orders', { kind: 'service', config: { latencyMs: 50, errorRate: 0 } }); // edit a field
    actions.onNodesChange([{ type: 'position', id: 'shopper', position: { x: 10, y: 10 }, dragging: true }]);
    actions.onNodesChange([{ type: 'position', id: 'shopper', position: { x: 90, y: 90 }, dragging: true }]);
    actions.onNodesChange([{ type: 'position', id: 'shopper', position: { x: 90, y: 90 }, dragging: false }]);
    actions.removeNode('payments'); // delete
    const edited = world();
    expect(store.getState().past).toHaveLength(5); // the drag is one step
    // React Flow's Delete key: the links first, then the node, in one tick -- one step.
    actions.onEdgesChange([{ type: 'remove', id: 'l3' }]);
    actions.onNodesChange([{ type: 'remove', id: 'inventory' }]);
    expect(store.getState().past).toHaveLength(6);
    actions.undo();
    expect(world()).toEqual(edited);

    actions.undo(); // delete
    expect(world().services.map((s) => s.id)).toContain('payments');
    expect(world().links.some((l) => l.to === 'payments')).toBe(true);
    actions.undo(); // move
    expect(world().services.find((s) => s.id === 'shopper')?.position).toEqual({ x: 0, y: 120 });
    actions.undo(); // field
    expect(world().services.find((s) => s.id === 'orders')?.config).toEqual({ latencyMs: 5, errorRate: 0 });
    actions.undo(); // connect
    expect(world().links).toHaveLength(3);
    actions.undo(); // add
    expect(world()).toEqual(initial);
    expect(selectDirty(store.getState())).toBe(false);
    actions.undo(); // nothing left: no change
    expect(world()).toEqual(initial);

    for (let i = 0; i < 5; i++) actions.redo();
    expect(world()).toEqual(edited);
    expect(selectDirty(store.getState())).toBe(true);

    actions.undo();
    actions.setName('branch'); // a new edit drops what could be redone
    expect(store.getState().future).toEqual([]);
  });

  it("edits scenarios like the rest of the world: validated with the server's rules, saved, one undo step each", async () => {
    const saved: unknown[] = [];
    const store = await openExample(
      fakeHttp({
        saveWorld: async (_id, body) => {
          saved.push(body.world);
          return { id: 'shop', rev: body.rev + 1, world: body.world as WorldRecord['world'] };
        },
      }),
    );
    const { actions } = store.getState();
    const before = selectDraftWorld(store.getState()).scenarios;
    const scenario = {
      name: 'slow payments',
      durationS: 10,
      steps: [{ atS: 12, do: 'fault' as const, fault: { kind: 'latency' as const, linkId: 'l9', ms: 100 } }],
      assertions: ['p99(orders->payments) < 200ms', 'errors(shopper) < 1 ms'],
    };
    actions.setScenarios([scenario]);
    const problems = store.getState().problems.world;
    expect(problems['scenarios/0/steps/0/atS']).toContain('after the end of the run');
    expect(problems['scenarios/0/steps/0/fault/linkId']).toContain('does not exist');
    expect(problems['scenarios/0/assertions/1']).toContain('in %');
    expect(problems['scenarios/0/assertions/0']).toBeUndefined();

    const fixed = {
      ...scenario,
      steps: [{ atS: 2, do: 'fault' as const, fault: { kind: 'latency' as const, linkId: 'l2', ms: 100 } }],
      assertions: ['p99(orders->payments) < 200ms', 'errors(shopper) < 1%'],
    };
    actions.setScenarios([fixed]);
    expect(store.getState().problems.list).toEqual([]);
    expect(await actions.save()).toBe(true);
    expect(saved.at(-1)).toMatchObject({ scenarios: [fixed] });

    actions.undo();
    expect(selectDraftWorld(store.getState()).scenarios).toEqual([scenario]);
    actions.undo();
    expect(selectDraftWorld(store.getState()).scenarios).toEqual(before);
    actions.redo();
    actions.redo();
    expect(selectDraftWorld(store.getState()).scenarios).toEqual([fixed]);
    expect(selectDirty(store.getState())).toBe(false);
  });

  it('a service renamed on the canvas is renamed in the scenarios too, so they stay valid', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    actions.setScenarios([
      {
        name: 's',
        durationS: 5,
        steps: [{ atS: 1, do: 'kill', serviceId: 'orders' }],
        assertions: ['errors(orders) < 1%'],
      },
    ]);
    expect(actions.renameNode('orders', 'checkout')).toBe(true);
    expect(selectDraftWorld(store.getState()).scenarios).toEqual([
      {
        name: 's',
        durationS: 5,
        steps: [{ atS: 1, do: 'kill', serviceId: 'checkout' }],
        assertions: ['errors(checkout) < 1%'],
      },
    ]);
    expect(store.getState().problems.list).toEqual([]);
  });

  it('copies the selection and pastes it with new ids and its inner links; paste is one undo step', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    actions.onNodesChange(['orders', 'payments'].map((id) => ({ type: 'select' as const, id, selected: true })));
    expect(actions.copy()).toBe(true);
    actions.paste();
    const world = selectDraftWorld(store.getState());
    expect(world.services.map((s) => s.id)).toEqual([
      'shopper',
      'orders',
      'payments',
      'inventory',
      'orders-copy',
      'payments-copy',
    ]);
    expect(world.links.at(-1)).toEqual({ id: 'l4', from: 'orders-copy', to: 'payments-copy' });
    expect(store.getState().problems.list).toEqual([]);
    actions.undo();
    expect(selectDraftWorld(store.getState()).services).toHaveLength(4);
  });

  it('lays the draft out left to right as one undo step', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    actions.autoLayout();
    const x = (id: string) => selectDraftWorld(store.getState()).services.find((s) => s.id === id)?.position.x ?? 0;
    expect(x('shopper')).toBeLessThan(x('orders'));
    expect(x('orders')).toBeLessThan(x('payments'));
    expect(x('payments')).toBe(x('inventory'));
    actions.undo();
    expect(selectDraftWorld(store.getState())).toEqual(EXAMPLE_WORLD);
  });

  it('a redeploy shows its plan first and deploys only when applied; a first deploy runs at once', async () => {
    const calls: string[] = [];
    const store = await openExample(
      fakeHttp({
        deploy: async () => {
          calls.push('deploy');
          return { rev: 1 };
        },
      }),
    );
    const { actions } = store.getState();
    await actions.requestDeploy();
    expect(calls).toEqual(['deploy']);
    expect(store.getState().planPreview).toBeNull();
    await actions.requestDeploy();
    expect(calls).toEqual(['deploy']);
    expect(store.getState().planPreview?.summary).toBe('1 restart');
    actions.cancelPlan();
    expect(calls).toEqual(['deploy']);
    await actions.requestDeploy();
    await actions.applyPlan();
    expect(calls).toEqual(['deploy', 'deploy']);
  });

  it('a deploy the process budget has no room for shows its plan, and applying it deploys nothing', async () => {
    const calls: string[] = [];
    const store = await openExample(
      fakeHttp({
        deploy: async () => {
          calls.push('deploy');
          return { rev: 1 };
        },
        previewDeploy: async () => ({
          deployedRev: null,
          plan: { start: ['inventory', 'orders', 'payments', 'shopper'], restart: [], stop: [], keep: [], scale: [] },
          summary: '4 start',
          budget: { limit: 5, processes: 4, adds: 4, left: 2, fits: false },
        }),
      }),
    );
    const { actions } = store.getState();
    await actions.requestDeploy();
    expect(store.getState().planPreview?.budget).toMatchObject({ processes: 4, left: 2, fits: false });
    await actions.applyPlan();
    expect(calls).toEqual([]);
    expect(store.getState().planPreview).not.toBeNull();
  });
});
