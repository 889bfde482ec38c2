// Messages about what just happened, bottom right; errors carry the server's own sentence.
import { useEditor, useEditorActions } from '../store/editor-context';

export function ToastStack() {
  const toasts = useEditor((s) => s.toasts);
  const actions = useEditorActions();
  return (
    <div className="dw-toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`dw-toast dw-toast--${toast.tone}`}
          role={toast.tone === 'error' ? 'alert' : 'status'}
        >
          <div className="dw-toast__text">
            <strong>{toast.title}</strong>
            {toast.message && <p>{toast.message}</p>}
          </div>
          <div className="dw-toast__actions">
            {toast.action && (
              <button
                type="button"
                className="dw-button dw-button--small"
                onClick={() => {
                  toast.action?.run();
                  actions.dismissToast(toast.id);
                }}
              >
                {toast.action.label}
              </button>
            )}
            <button
              type="button"
              className="dw-icon-button"
              aria-label="Dismiss"
              onClick={() => actions.dismissToast(toast.id)}
            >
              ×
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
