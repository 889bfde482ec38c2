// Saving: the draft is PUT with the revision it is based on; 409 keeps the draft and offers a reload. Saves go one
// at a time (a queue of one): two at once (autosave firing while Apply plan saves before deploying) would both
// carry the same base revision, and the second would be refused as a stale one.
import type { WorldRecord } from '@dw/world';
import { ApiError } from '../../api/http-client';
import type { EditorState } from '../editor-store';
import { errorToast } from '../toasts';
import { withSummary } from './catalog-slice';
import { selectDraftWorld } from './draft-slice';
import { plural, type Slice, type SliceKit } from './slice-kit';

export interface SavesState {
  /** The revision the draft is based on (sent with PUT; a stale one gets 409); null when no world is open. */
  baseRev: number | null;
  /** The change counter the last save saved: the draft is dirty while changeSeq differs. */
  savedSeq: number;
}

export interface SavesActions {
  /** Saves the draft (after any save in flight); false when it could not (invalid, refused, failed). */
  save(): Promise<boolean>;
}

/** The draft differs from what was saved last. */
export const selectDirty = (state: EditorState) => state.changeSeq !== state.savedSeq;

/** Saved at `rev` (a world just opened, or none: null). */
export const savedAt = (rev: number | null): SavesState => ({ baseRev: rev, savedSeq: 0 });

export function savesSlice({ set, get, http }: SliceKit): Slice<SavesState, SavesActions> {
  /** The save in flight: saves go one at a time. */
  let inFlight: Promise<boolean> | null = null;
  const toast = (input: Parameters<EditorState['actions']['pushToast']>[0]) => get().actions.pushToast(input);

  /** One save of the draft with its base revision. */
  async function saveNow(): Promise<boolean> {
    const state = get();
    if (!state.worldId || state.baseRev === null) return false;
    if (state.problems.list.length > 0) {
      toast({
        tone: 'error',
        title: 'Not saved',
        message: `Fix ${plural(state.problems.list.length, 'problem')} first.`,
        ttlMs: 5000,
      });
      return false;
    }
    const seq = state.changeSeq;
    const worldId = state.worldId;
    set({ busy: 'saving' });
    try {
      const record: WorldRecord = await http.saveWorld(worldId, {
        rev: state.baseRev,
        world: selectDraftWorld(state),
      });
      if (get().worldId !== worldId) return false;
      set({ baseRev: record.rev, savedSeq: seq, busy: null, worlds: withSummary(get().worlds, record) });
      return true;
    } catch (error) {
      set({ busy: null });
      if (error instanceof ApiError && error.status === 409) {
        toast({
          tone: 'error',
          title: 'Someone else changed this world',
          message: `${error.message}\nReload to get their version; your unsaved changes here will be lost.`,
          action: { label: 'Reload', run: () => void get().actions.reload() },
        });
      } else {
        toast(errorToast('Could not save', error));
      }
      return false;
    }
  }

  return {
    state: savedAt(null),
    actions: {
      async save() {
        // a replay shows a recorded revision: it is never saved over the world
        if (get().replay !== null) return false;
        // Wait for a save in flight; it may already have saved everything this one would.
        while (inFlight) {
          if (!(await inFlight)) return false;
          if (!selectDirty(get())) return true;
        }
        inFlight = saveNow();
        try {
          return await inFlight;
        } finally {
          inFlight = null;
        }
      },
    },
  };
}
