// Keyboard: Ctrl/Cmd+S saves anywhere on the page. On the diagram (not while typing in a field): Ctrl+Z undo,
// Ctrl+Shift+Z or Ctrl+Y redo, Ctrl+C copy, Ctrl+V paste, Ctrl+D duplicate, Ctrl+A select all.
// (Delete/Backspace is React Flow's, which ignores text fields.)
import { useEffect } from 'react';
import { useStores } from '../store/editor-context';

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useShortcuts(): void {
  const { editor } = useStores();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      const { actions, planPreview } = editor.getState();
      if (key === 's') {
        event.preventDefault();
        void actions.save();
        return;
      }
      // Text fields keep their own undo, copy and paste; an open dialog keeps the diagram still.
      if (typingIn(event.target) || planPreview !== null) return;
      const run: Record<string, (() => unknown) | undefined> = {
        z: event.shiftKey ? actions.redo : actions.undo,
        y: actions.redo,
        c: actions.copy,
        v: actions.paste,
        d: actions.duplicateSelection,
        a: actions.selectAll,
      };
      const action = run[key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [editor]);
}
