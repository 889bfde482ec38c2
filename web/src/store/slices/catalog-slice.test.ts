import { describe, expect, it } from 'vitest';
import { fakeHttp, openExample } from '../fake-http';

describe('catalog slice', () => {
  it('deleting the open world gives every slice a fresh start', async () => {
    const deleted: string[] = [];
    const store = await openExample(
      fakeHttp({
        deleteWorld: async (id) => {
          deleted.push(id);
        },
      }),
    );
    const { actions } = store.getState();
    actions.setName('edited');
    await actions.deploy();
    expect(store.getState()).toMatchObject({ deployedRev: 2, baseRev: 2 });
    await actions.deleteWorld();
    expect(deleted).toEqual(['shop']);
    expect(store.getState()).toMatchObject({
      worlds: [],
      worldId: null,
      name: '',
      nodes: [],
      edges: [],
      past: [],
      future: [],
      baseRev: null,
      savedSeq: 0,
      changeSeq: 0,
      deployedRev: null,
      planPreview: null,
      busy: null,
    });
    expect(store.getState().toasts.at(-1)?.title).toBe('Deleted "edited"');
  });

  it('opening a world loads its draft clean, at its revision, with what runs of it', async () => {
    const store = await openExample(fakeHttp({ deployStatus: async () => ({ rev: 1, services: [] }) }));
    expect(store.getState()).toMatchObject({ worldId: 'shop', baseRev: 1, deployedRev: 1, changeSeq: 0, loadSeq: 1 });
    await store.getState().actions.reload();
    expect(store.getState().loadSeq).toBe(2);
  });
});
