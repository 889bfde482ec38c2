// The deployment at a glance: a coloured pill, the deployed revision, and whether the draft differs from it.
import { summariseDeployment } from '../live/deployment-summary';
import { useEditor, useTraffic } from '../store/editor-context';
import { selectDirty } from '../store/editor-store';

export function DeployStatusPill() {
  const deployedRev = useEditor((s) => s.deployedRev);
  const busy = useEditor((s) => s.busy);
  const behind = useEditor((s) => s.deployedRev !== null && (s.baseRev !== s.deployedRev || selectDirty(s)));
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
        <span className="dw-muted" data-testid="deployed-rev">
          rev {deployedRev}
          {behind ? ' · edits not deployed' : ''}
        </span>
      )}
    </div>
  );
}
