// The deployment at a glance: a coloured pill, the deployed revision, and whether the draft differs from it.
import { summariseDeployment } from '../live/deployment-summary';
import { useEditor, useTraffic } from '../store/editor-context';
import { selectBehindDeployed } from '../store/editor-store';

export function DeployStatusPill() {
  const deployedRev = useEditor((s) => s.deployedRev);
  const busy = useEditor((s) => s.busy);
  // a deploy would change no process (an undo back to what runs, a moved box): the drawing is what runs
  const behind = useEditor(selectBehindDeployed);
  // A string, not an object: a selector must return something stable between equal states.
  const [tone, label] = useTraffic((s) => {
    const summary = summariseDeployment(deployedRev, s.services, busy, s.progress, s.progressOf);
    return `${summary.tone}|${summary.label}`;
  }).split('|');
  return (
    <div className="dw-deploy-status" role="status" aria-live="polite">
      <span className={`dw-pill dw-pill--${tone}`} data-testid="deploy-status">
        {label}
      </span>
      {deployedRev !== null && (
        <span
          className="dw-muted"
          data-testid="deployed-rev"
          data-behind={behind}
          title={behind ? 'The drawing differs from what runs: Deploy applies it' : 'What runs is what is drawn'}
        >
          rev {deployedRev}
          {behind ? ' · edits not deployed' : ' · as drawn'}
        </span>
      )}
    </div>
  );
}
