// Keyboard: Ctrl/Cmd+S saves anywhere on the page. (Delete/Backspace is React Flow's, which ignores text fields.)
import { useEffect } from 'react';
import { useStores } from '../store/editor-context';

export function useShortcuts(): void {
  const { editor } = useStores();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void editor.getState().actions.save();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [editor]);
}
