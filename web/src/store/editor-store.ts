// The editor's one store, made by a factory and combined from slices (./slices), each its own concern and file:
// catalog (which worlds exist, which is open), draft (the open world as React Flow nodes and edges, and every
// edit), history (undo, redo), saves (one at a time, with the base revision), deploy (plan, deploy with the
// revision, stop), runs (replay, compare, import a recorded run) and toasts. Every action is inside the store (`state.actions`); no state lives outside it.
// Components select narrowly; live traffic lives in the separate traffic store.
import { validateWorld } from '@dw/world';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HttpClient } from '../api/http-client';
import type { TrafficStore } from '../live/traffic-store';
import { type CatalogActions, type CatalogState, catalogSlice } from './slices/catalog-slice';
import { type DeployActions, type DeployState, deploySlice } from './slices/deploy-slice';
import { type DraftActions, type DraftState, draftSlice, selectDraftWorld } from './slices/draft-slice';
import { type HistoryActions, type HistoryState, historySlice } from './slices/history-slice';
import { type RunsActions, type RunsState, runsSlice } from './slices/runs-slice';
import { type SavesActions, type SavesState, savesSlice } from './slices/saves-slice';
import type { SliceKit } from './slices/slice-kit';
import { type ToastsActions, type ToastsState, toastsSlice } from './slices/toasts-slice';

export type Busy = 'loading' | 'creating' | 'saving' | 'planning' | 'deploying' | 'stopping' | 'deleting' | null;

export type EditorActions = CatalogActions &
  DraftActions &
  HistoryActions &
  SavesActions &
  DeployActions &
  RunsActions &
  ToastsActions;

export type EditorState = CatalogState &
  DraftState &
  HistoryState &
  SavesState &
  DeployState &
  RunsState &
  ToastsState & {
    /** What the store is waiting for (one thing at a time), shown in the toolbar. */
    busy: Busy;
    actions: EditorActions;
  };

export type EditorStore = StoreApi<EditorState>;

export interface EditorStoreDeps {
  http: HttpClient;
  traffic: TrafficStore;
}

export function createEditorStore({ http, traffic }: EditorStoreDeps): EditorStore {
  return createStore<EditorState>()((set, get) => {
    const kit: SliceKit = { set, get, http, traffic };
    const toasts = toastsSlice(kit);
    const history = historySlice(kit);
    const draft = draftSlice(kit, history);
    const saves = savesSlice(kit);
    const deploy = deploySlice(kit);
    const catalog = catalogSlice(kit);
    const runs = runsSlice(kit);
    return {
      ...catalog.state,
      ...draft.state,
      ...history.state,
      ...saves.state,
      ...deploy.state,
      ...runs.state,
      ...toasts.state,
      busy: null,
      actions: {
        ...catalog.actions,
        ...draft.actions,
        ...history.actions,
        ...saves.actions,
        ...deploy.actions,
        ...runs.actions,
        ...toasts.actions,
      },
    };
  });
}

export { selectBehindDeployed } from './slices/deploy-slice';
export { selectDirty } from './slices/saves-slice';
export { plural } from './slices/slice-kit';
export { selectDraftWorld };

/** What validateWorld would say about a node's id if it were renamed, for a rename the store refused. */
export function renameProblem(state: EditorState, id: string, nextId: string): string | undefined {
  const world = selectDraftWorld(state);
  const index = world.services.findIndex((s) => s.id === id);
  if (index < 0) return undefined;
  const services = world.services.map((s, i) => (i === index ? { ...s, id: nextId } : s));
  const result = validateWorld({ ...world, services });
  if (result.ok) return undefined;
  const messages = result.problems.filter((p) => p.pointer === `/services/${index}/id`).map((p) => p.message);
  return messages.length > 0 ? messages.join('; ') : undefined;
}
