import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/http-client';
import { fakeHttp, openExample } from '../fake-http';

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
});
