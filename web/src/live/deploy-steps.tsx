// A node's steps while a deploy starts it: identity issued -> starting -> ready, the current one highlighted;
// crashed or failed in red with the reason. Shown while the deploy is under way (and after it, when it went wrong).
import { DEPLOY_STEPS, type DeployStep } from '@dw/world';
import { memo } from 'react';
import { useTraffic } from '../store/editor-context';
import { deployInProgress } from './traffic-store';

const LABELS: Record<(typeof DEPLOY_STEPS)[number], string> = {
  'identity-issued': 'identity',
  starting: 'starting',
  ready: 'ready',
};

/** The index of the step reached, and whether it went wrong there. */
function position(step: DeployStep): { reached: number; broken: boolean } {
  if (step === 'failed') return { reached: 0, broken: true }; // the deploy failed before the process could start
  if (step === 'crashed') return { reached: 1, broken: true }; // the process died before it was ready
  return { reached: DEPLOY_STEPS.indexOf(step), broken: false };
}

type StepState = 'done' | 'current' | 'broken' | 'todo';

/** How step `i` shows when the service has reached `reached` (ready: all done). */
function stepState(i: number, reached: number, broken: boolean, ready: boolean): StepState {
  if (i < reached || ready) return 'done';
  if (i === reached) return broken ? 'broken' : 'current';
  return 'todo';
}

function describeStep(step: DeployStep, detail?: string, serial?: string, notAfter?: string): string {
  const leaf = serial ? `leaf serial ${serial}${notAfter ? `, valid until ${notAfter}` : ''}` : '';
  return [step, detail, leaf].filter(Boolean).join(' · ');
}

export const DeploySteps = memo(function DeploySteps({ id }: { id: string }) {
  const step = useTraffic((s) => s.progress[id]?.step);
  const title = useTraffic((s) => {
    const p = s.progress[id];
    return p ? describeStep(p.step, p.detail, p.serial, p.notAfter) : '';
  });
  const detail = useTraffic((s) => s.progress[id]?.detail);
  const deploying = useTraffic((s) => deployInProgress(s.progress));
  if (step === undefined) return null;
  const { reached, broken } = position(step);
  if (!deploying && !broken) return null;
  return (
    <div className="dw-steps" data-testid={`deploy-steps-${id}`} data-step={step} title={title}>
      <ol className="dw-steps__row" aria-label={`Deploy of ${id}: ${step}`}>
        {DEPLOY_STEPS.map((name, i) => {
          const state = stepState(i, reached, broken, step === 'ready');
          return (
            <li key={name} className={`dw-steps__step dw-steps__step--${state}`}>
              {LABELS[name]}
            </li>
          );
        })}
      </ol>
      {broken && detail && <div className="dw-steps__reason">{detail}</div>}
    </div>
  );
});
