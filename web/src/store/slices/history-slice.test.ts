import { describe, expect, it } from 'vitest';
import { selectDraftWorld } from '../editor-store';
import { openExample } from '../fake-http';
import { HISTORY_LIMIT } from './history-slice';

describe('history slice', () => {
  it('keeps the last 100 steps: undoing them all stops at the state 100 edits back', async () => {
    const store = await openExample();
    const { actions } = store.getState();
    // two fields in turn: keystrokes in one field, one after another, are one step
    for (let i = 1; i <= HISTORY_LIMIT + 5; i++) {
      if (i % 2 === 1) actions.setName(`name ${i}`);
      else actions.setHopBudget((i % 60) + 1);
    }
    expect(store.getState().past).toHaveLength(HISTORY_LIMIT);
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) actions.undo();
    expect(selectDraftWorld(store.getState()).name).toBe('name 5');
    expect(store.getState().future).toHaveLength(HISTORY_LIMIT);
  });

  it('is cleared when a world is opened again', async () => {
    const store = await openExample();
    store.getState().actions.setName('edited');
    expect(store.getState().past).toHaveLength(1);
    await store.getState().actions.reload();
    expect(store.getState().past).toEqual([]);
    expect(store.getState().future).toEqual([]);
    expect(store.getState().name).toBe('shop');
  });
});
