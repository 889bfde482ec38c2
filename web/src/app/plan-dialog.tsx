// The plan of a redeploy, shown before it is applied: what starts, restarts and stops, and what keeps running.
import { useEffect, useRef } from 'react';
import { useEditor, useEditorActions } from '../store/editor-context';

const ROWS = [
  ['start', 'Start', 'new services'],
  ['restart', 'Restart', 'changed, or their links changed'],
  ['stop', 'Stop', 'removed'],
  ['keep', 'Keep running', 'unchanged: same process'],
] as const;

export function PlanDialog() {
  const preview = useEditor((s) => s.planPreview);
  const actions = useEditorActions();
  const apply = useRef<HTMLButtonElement>(null);
  // Focus goes to Apply plan while the dialog is open, and back to where it was (Deploy) when it closes.
  useEffect(() => {
    if (!preview) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    apply.current?.focus();
    return () => previous?.focus();
  }, [preview]);
  if (!preview) return null;
  const scale = preview.plan.scale ?? [];
  const nothing =
    preview.plan.start.length + preview.plan.restart.length + preview.plan.stop.length + scale.length === 0;
  return (
    <div className="dw-modal-backdrop">
      <div
        className="dw-modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="dw-plan-title"
        data-testid="deploy-plan"
        onKeyDown={(event) => {
          if (event.key === 'Escape') actions.cancelPlan();
        }}
      >
        <h2 id="dw-plan-title" className="dw-modal__title">
          Redeploy plan: <span data-testid="deploy-plan-summary">{preview.summary}</span>
        </h2>
        <p className="dw-muted">
          Running now: rev {preview.deployedRev ?? '—'}. Only what changed is touched; a restarted service keeps its
          port, so its callers keep calling it.
        </p>
        <dl className="dw-plan">
          {ROWS.map(([key, label, why]) =>
            preview.plan[key].length === 0 ? null : (
              <div key={key} className={`dw-plan__row dw-plan__row--${key}`} data-testid={`plan-${key}`}>
                <dt>
                  {label} <span className="dw-muted">({preview.plan[key].length})</span>
                  <small>{why}</small>
                </dt>
                <dd>{preview.plan[key].join(', ')}</dd>
              </div>
            ),
          )}
          {scale.length > 0 && (
            <div className="dw-plan__row dw-plan__row--scale" data-testid="plan-scale">
              <dt>
                Scale <span className="dw-muted">({scale.length})</span>
                <small>only the extra replicas start or stop</small>
              </dt>
              <dd>{scale.map((s) => `${s.id} ${s.from}→${s.to}`).join(', ')}</dd>
            </div>
          )}
        </dl>
        <div className="dw-modal__actions">
          <button type="button" className="dw-button" onClick={actions.cancelPlan}>
            Cancel
          </button>
          <button
            ref={apply}
            type="button"
            className="dw-button dw-button--primary"
            onClick={() => void actions.applyPlan()}
          >
            {nothing ? 'Apply plan (no process changes)' : 'Apply plan'}
          </button>
        </div>
      </div>
    </div>
  );
}
