// Deleting a node that runs: the drawing changes at once, the process does not (it keeps running, and its traffic
// keeps flowing, until the next deploy stops it). Asked before it happens, so nothing that runs is left unexplained.
import { useEffect, useRef } from 'react';
import { useEditor, useEditorActions } from '../store/editor-context';

/** "orders", "orders and payments", "orders, payments and inventory". */
export function listOfNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function DeleteDialog() {
  const pending = useEditor((s) => s.pendingDelete);
  const actions = useEditorActions();
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!pending) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    confirm.current?.focus();
    return () => previous?.focus();
  }, [pending]);
  if (!pending) return null;
  const { nodes, running } = pending;
  const what = nodes.length === 1 ? nodes[0] : `${nodes.length} nodes`;
  const one = running.length === 1;
  return (
    <div className="dw-modal-backdrop">
      <div
        className="dw-modal dw-delete-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="dw-delete-title"
        aria-describedby="dw-delete-why"
        data-testid="delete-running"
        onKeyDown={(event) => {
          if (event.key === 'Escape') actions.cancelRemove();
        }}
      >
        <h2 id="dw-delete-title" className="dw-modal__title">
          Delete {what} from the drawing?
        </h2>
        <p id="dw-delete-why">
          <strong>{listOfNames(running)}</strong> {one ? 'runs' : 'run'} now. Deleting changes the drawing only:{' '}
          {one ? 'its process keeps' : 'their processes keep'} running, and {one ? 'its' : 'their'} traffic keeps
          flowing, until you deploy. The next deploy stops {one ? 'it' : 'them'}.
        </p>
        <p className="dw-muted">Undo brings {nodes.length === 1 ? 'it' : 'them'} back, links included.</p>
        <div className="dw-modal__actions">
          <button type="button" className="dw-button" onClick={actions.cancelRemove}>
            Cancel
          </button>
          <button ref={confirm} type="button" className="dw-button dw-button--danger" onClick={actions.confirmRemove}>
            Delete from the drawing
          </button>
        </div>
      </div>
    </div>
  );
}
