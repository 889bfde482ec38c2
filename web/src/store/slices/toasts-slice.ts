// Toasts: the last few messages for people (errors carry the server's sentence), each dismissed by hand or after
// its time. The counter of toast ids belongs to the store that made it.
import type { Toast, ToastInput } from '../toasts';
import type { Slice, SliceKit } from './slice-kit';

export interface ToastsState {
  toasts: Toast[];
}

export interface ToastsActions {
  pushToast(toast: ToastInput): void;
  dismissToast(id: number): void;
}

/** Toasts shown at once at most; an older one makes room for a new one. */
const SHOWN = 5;

export function toastsSlice({ set, get }: SliceKit): Slice<ToastsState, ToastsActions> {
  let lastId = 0;
  const actions: ToastsActions = {
    pushToast(input) {
      const id = ++lastId;
      set({ toasts: [...get().toasts.slice(-(SHOWN - 1)), { ...input, id }] });
      if (input.ttlMs !== undefined) setTimeout(() => actions.dismissToast(id), input.ttlMs);
    },

    dismissToast(id) {
      const { toasts } = get();
      if (toasts.some((t) => t.id === id)) set({ toasts: toasts.filter((t) => t.id !== id) });
    },
  };
  return { state: { toasts: [] }, actions };
}
