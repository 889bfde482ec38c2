import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/http-client';
import { createTrafficStore } from '../../live/traffic-store';
import { createEditorStore, selectBehindDeployed } from '../editor-store';
import { fakeHttp, openExample } from '../fake-http';

/** The example world deployed at the revision it saved, with its services ready in the live view. */
async function deployedExample() {
  const traffic = createTrafficStore();
  const store = createEditorStore({ http: fakeHttp({ deploy: async (_id, rev) => ({ rev }) }), traffic });
  await store.getState().actions.boot();
  await store.getState().actions.deploy();
  traffic.getState().actions.ingestDeployStatus({
    rev: 1,
    services: store.getState().nodes.map((n) => ({ id: n.id, state: 'ready' as const, pid: 1, port: 1 })),
  });
  return { store, traffic };
}

describe('deploy slice', () => {
  it('deploys the revision it saved: the base revision, or the new one after saving a dirty draft', async () => {
    const deployed: [string, number][] = [];
    const store = await openExample(
      fakeHttp({
        deploy: async (id, rev) => {
          deployed.push([id, rev]);
          return { rev };
        },
      }),
    );
    const { actions } = store.getState();
    await actions.deploy();
    expect(deployed).toEqual([['shop', 1]]);
    actions.setHopBudget(4);
    await actions.deploy();
    expect(deployed).toEqual([
      ['shop', 1],
      ['shop', 2],
    ]);
    expect(store.getState().deployedRev).toBe(2);
  });

  it('a deploy refused as stale (409 stale-revision) tells the person to look at the plan again', async () => {
    const store = await openExample(
      fakeHttp({
        deploy: async () => {
          throw new ApiError(409, 'world "shop" is at rev 3, not 1', 'stale-revision');
        },
      }),
    );
    await store.getState().actions.deploy();
    const toast = store.getState().toasts.at(-1);
    expect(toast).toMatchObject({ tone: 'error', title: 'Not deployed' });
    expect(toast?.message).toContain('The world changed since this plan; look at the plan again.');
    expect(toast?.message).toContain('world "shop" is at rev 3, not 1');
    expect(toast?.action?.label).toBe('Reload');
    expect(store.getState().deployedRev).toBeNull();
    expect(store.getState().busy).toBeNull();
  });

  it('any other refusal keeps the server sentence', async () => {
    const store = await openExample(
      fakeHttp({
        deploy: async () => {
          throw new ApiError(409, 'the process budget has room for 2 more', 'process-budget');
        },
      }),
    );
    await store.getState().actions.deploy();
    expect(store.getState().toasts.at(-1)).toMatchObject({
      title: 'Could not deploy',
      message: 'the process budget has room for 2 more',
    });
  });

  it('stop forgets what ran and drops the frames still on their way', async () => {
    const store = await openExample();
    await store.getState().actions.deploy();
    expect(store.getState().deployedRev).toBe(2);
    await store.getState().actions.stop();
    expect(store.getState().deployedRev).toBeNull();
    store.getState().actions.observeDeployedRev(2); // a late frame of the stopped deployment
    expect(store.getState().deployedRev).toBeNull();
  });

  it('says the drawing is what runs once an undo takes it back there, whatever the saved revision', async () => {
    const { store } = await deployedExample();
    const { actions } = store.getState();
    expect(store.getState().deployedRev).toBe(1);
    expect(selectBehindDeployed(store.getState())).toBe(false);
    actions.removeNode('payments');
    expect(selectBehindDeployed(store.getState())).toBe(true);
    await actions.save(); // autosave lands: rev 2 is saved, rev 1 runs
    expect(store.getState().baseRev).toBe(2);
    actions.undo();
    expect(selectBehindDeployed(store.getState())).toBe(false); // the same services, links and configs as rev 1
    await actions.save();
    expect(store.getState().baseRev).toBe(3);
    expect(selectBehindDeployed(store.getState())).toBe(false);
    // a moved box restarts nothing; a changed latency does
    const orders = store.getState().nodes.find((n) => n.id === 'orders');
    actions.onNodesChange([{ type: 'position', id: 'orders', position: { x: 999, y: 999 } }]);
    expect(selectBehindDeployed(store.getState())).toBe(false);
    if (orders?.data.kind === 'service') {
      actions.setNodeData('orders', { ...orders.data, config: { ...orders.data.config, latencyMs: 77 } });
    }
    expect(selectBehindDeployed(store.getState())).toBe(true);
  });

  it('asks before deleting a node that runs, and deletes it in one undo step once confirmed', async () => {
    const { store } = await deployedExample();
    const { actions } = store.getState();
    const links = store.getState().edges.length;
    actions.requestRemoveNodes(['payments']);
    expect(store.getState().pendingDelete).toEqual({ nodes: ['payments'], links: [], running: ['payments'] });
    expect(store.getState().nodes.some((n) => n.id === 'payments')).toBe(true);
    actions.cancelRemove();
    expect(store.getState().pendingDelete).toBeNull();
    expect(store.getState().nodes.some((n) => n.id === 'payments')).toBe(true);
    actions.requestRemoveNodes(['payments']);
    actions.confirmRemove();
    expect(store.getState().nodes.some((n) => n.id === 'payments')).toBe(false);
    expect(store.getState().edges.length).toBe(links - 1);
    actions.undo();
    expect(store.getState().nodes.some((n) => n.id === 'payments')).toBe(true);
    expect(store.getState().edges.length).toBe(links);
  });

  it('deletes at once what does not run', async () => {
    const store = await openExample();
    expect(store.getState().actions.requestRemove({ nodes: ['payments'] })).toBe(true);
    store.getState().actions.requestRemoveNodes(['payments']);
    expect(store.getState().pendingDelete).toBeNull();
    expect(store.getState().nodes.some((n) => n.id === 'payments')).toBe(false);
  });
});
