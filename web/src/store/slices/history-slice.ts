// Undo and redo: every edit of the draft is one step (a snapshot of the draft with its change counter, so undoing
// back to the saved state is clean again). 100 steps are kept; opening a world clears them.
import type { Scenario, Settings } from '@dw/world';
import type { EditorState } from '../editor-store';
import type { EditorEdge, EditorNode } from '../flow-types';
import { toWorld } from '../world-draft';
import { revalidate } from './draft-slice';
import type { Slice, SliceKit } from './slice-kit';

/** One undo step: the draft as it was, and the change counter it had. */
export interface Snapshot {
  name: string;
  settings: Settings | undefined;
  scenarios: Scenario[] | undefined;
  nodes: EditorNode[];
  edges: EditorEdge[];
  seq: number;
}

export interface HistoryState {
  /** Undo and redo stacks (newest last). */
  past: Snapshot[];
  future: Snapshot[];
}

export interface HistoryActions {
  undo(): void;
  redo(): void;
}

/** What the draft slice asks of the history: remember the draft as it is now, before an edit. */
export interface HistoryKeeper {
  remember(): void;
}

export const HISTORY_LIMIT = 100;

/** No step to undo or redo: a world was just opened (or none is). */
export const clearedHistory = (): HistoryState => ({ past: [], future: [] });

function snapshot(state: EditorState): Snapshot {
  const unselect = <T extends { selected?: boolean }>(item: T): T =>
    item.selected ? { ...item, selected: false } : item;
  return {
    name: state.name,
    settings: state.settings,
    scenarios: state.scenarios,
    nodes: state.nodes.map(unselect),
    edges: state.edges.map(unselect),
    seq: state.changeSeq,
  };
}

export function historySlice({ set, get }: SliceKit): Slice<HistoryState, HistoryActions> & HistoryKeeper {
  function restore(to: Snapshot): void {
    const problems = revalidate(toWorld(to), get().problems);
    set({
      name: to.name,
      settings: to.settings,
      scenarios: to.scenarios,
      nodes: to.nodes,
      edges: to.edges,
      changeSeq: to.seq,
      problems,
    });
  }

  return {
    state: clearedHistory(),
    remember() {
      const state = get();
      set({ past: [...state.past.slice(-(HISTORY_LIMIT - 1)), snapshot(state)], future: [] });
    },
    actions: {
      undo() {
        const { past, future } = get();
        const to = past.at(-1);
        if (!to) return;
        set({ past: past.slice(0, -1), future: [...future, snapshot(get())] });
        restore(to);
      },

      redo() {
        const { past, future } = get();
        const to = future.at(-1);
        if (!to) return;
        set({ future: future.slice(0, -1), past: [...past, snapshot(get())] });
        restore(to);
      },
    },
  };
}
