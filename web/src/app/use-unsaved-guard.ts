// Asks before the tab closes while there are unsaved changes.
import { useEffect } from 'react';
import { useEditor } from '../store/editor-context';
import { selectDirty } from '../store/editor-store';

export function useUnsavedGuard(): void {
  const dirty = useEditor(selectDirty);
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
}
