import { describe, expect, it } from 'vitest';
import { createTrafficStore } from '../../live/traffic-store';
import { createEditorStore } from '../editor-store';
import { fakeHttp } from '../fake-http';

const newStore = () => createEditorStore({ http: fakeHttp(), traffic: createTrafficStore() });

describe('toasts slice', () => {
  it('counts toast ids per store: two editors on one page never share a counter', () => {
    const a = newStore();
    const b = newStore();
    a.getState().actions.pushToast({ tone: 'info', title: 'a' });
    b.getState().actions.pushToast({ tone: 'info', title: 'b' });
    expect(a.getState().toasts.map((t) => t.id)).toEqual([1]);
    expect(b.getState().toasts.map((t) => t.id)).toEqual([1]);
  });

  it('shows the last five, and dismisses one by id', () => {
    const store = newStore();
    const { actions } = store.getState();
    for (let i = 1; i <= 7; i++) actions.pushToast({ tone: 'info', title: `t${i}` });
    expect(store.getState().toasts.map((t) => t.title)).toEqual(['t3', 't4', 't5', 't6', 't7']);
    actions.dismissToast(5);
    expect(store.getState().toasts.map((t) => t.title)).toEqual(['t3', 't4', 't6', 't7']);
  });
});
