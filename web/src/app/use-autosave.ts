// Autosave: a valid draft is saved AUTOSAVE_MS after the last edit. A save that meets a newer revision (409)
// keeps the draft and says so (the store's save does); autosave then waits for the next edit, never retrying
// over someone else's work. An invalid draft stays unsaved (and marked so) until it is fixed.
import { useEffect, useRef } from 'react';
import { useEditor, useStores } from '../store/editor-context';
import { selectDirty } from '../store/editor-store';

export const AUTOSAVE_MS = 2500;

export function useAutosave(): void {
  const { editor } = useStores();
  const changeSeq = useEditor((s) => s.changeSeq);
  const failedSeq = useRef<number | null>(null);
  useEffect(() => {
    const state = editor.getState();
    if (!selectDirty(state) || state.problems.list.length > 0 || failedSeq.current === changeSeq) return;
    const timer = setTimeout(() => {
      const now = editor.getState();
      if (now.changeSeq !== changeSeq || now.busy !== null || !selectDirty(now)) return;
      void now.actions.save().then((ok) => {
        if (!ok) failedSeq.current = changeSeq;
      });
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [editor, changeSeq]);
}
