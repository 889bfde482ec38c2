// The plan of a redeploy, shown before it is applied: what starts, restarts and stops, and what keeps running,
// and how many processes it runs against the controller's process budget. A deploy the budget has no room for
// (a first one too: it shows its plan only then) cannot be applied, and the dialog says why.
import type { ProcessBudget } from '@dw/world';
import { useEffect, useRef } from 'react';
import { useEditor, useEditorActions } from '../store/editor-context';

const ROWS = [
  ['start', 'Start', 'new services, or down ones (crashed, stopped) started again'],
  ['restart', 'Restart', 'changed, or their links changed'],
  ['stop', 'Stop', 'removed'],
  ['keep', 'Keep running', 'unchanged: same process'],
] as const;

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');

/** Why the budget refuses the deploy, in the words of the controller's own refusal. */
export function overBudgetReason(budget: ProcessBudget): string {
  return (
    `This deploy needs ${budget.adds} more process${budget.adds === 1 ? '' : 'es'} and the process budget has ` +
    `only ${budget.left} left. Stop another world or lower replicas, or start the controller with a larger ` +
    'DW_MAX_PROCESSES.'
  );
}

export function PlanDialog() {
  const preview = useEditor((s) => s.planPreview);
  const actions = useEditorActions();
  const apply = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  // Focus goes to Apply plan while the dialog is open (to Cancel when it cannot be applied), and back to where it
  // was (Deploy) when it closes.
  useEffect(() => {
    if (!preview) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (preview.budget.fits ? apply : cancel).current?.focus();
    return () => previous?.focus();
  }, [preview]);
  if (!preview) return null;
  const scale = preview.plan.scale ?? [];
  const nothing =
    preview.plan.start.length + preview.plan.restart.length + preview.plan.stop.length + scale.length === 0;
  const { budget } = preview;
  const refusal = budget.fits ? null : overBudgetReason(budget);
  const first = preview.deployedRev === null;
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
          {first ? 'Deploy plan' : 'Redeploy plan'}: <span data-testid="deploy-plan-summary">{preview.summary}</span>
        </h2>
        <p className="dw-muted">
          {first
            ? 'Nothing runs yet: every service starts.'
            : `Running now: rev ${preview.deployedRev}. Only what changed is touched; a restarted service keeps its port, so its callers keep calling it.`}
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
          <div
            className={`dw-plan__row dw-plan__row--budget${budget.fits ? '' : ' dw-plan__row--over'}`}
            data-testid="plan-budget"
            data-fits={String(budget.fits)}
          >
            <dt>
              Processes <span className="dw-muted">({signed(budget.adds)})</span>
              <small>every replica is one</small>
            </dt>
            <dd>
              <span data-testid="plan-budget-processes">{budget.processes}</span> after this deploy; the budget has{' '}
              <span data-testid="plan-budget-left">{budget.left}</span> of{' '}
              <span data-testid="plan-budget-limit">{budget.limit}</span> left
              {budget.fits ? `, ${budget.left - budget.adds} after it` : ''}
            </dd>
          </div>
        </dl>
        {refusal && (
          <p className="dw-plan__refusal" role="alert" data-testid="plan-budget-refusal">
            {refusal}
          </p>
        )}
        <div className="dw-modal__actions">
          <button ref={cancel} type="button" className="dw-button" onClick={actions.cancelPlan}>
            Cancel
          </button>
          <button
            ref={apply}
            type="button"
            className="dw-button dw-button--primary"
            disabled={refusal !== null}
            title={refusal ?? undefined}
            onClick={() => void actions.applyPlan()}
          >
            {nothing ? 'Apply plan (no process changes)' : 'Apply plan'}
          </button>
        </div>
      </div>
    </div>
  );
}
