// While a deploy is under way, a card on the canvas counts its services at each step: identity issued, starting,
// ready (and crashed). Only the services the deploy starts count: a redeploy's kept services are not part of it.
import { useTraffic } from '../store/editor-context';
import { countSteps } from './deployment-summary';
import { deployInProgress } from './traffic-store';

export function DeployProgressSummary() {
  // a string, not an object: a selector must return something stable between equal states
  const key = useTraffic((s) => {
    if (!deployInProgress(s.progress)) return '';
    const c = countSteps(s.progress, s.progressOf);
    return [s.progressRev, c.identity, c.starting, c.ready, c.crashed, c.total].join('|');
  });
  if (key === '') return null;
  const [rev, identity, starting, ready, crashed, total] = key.split('|');
  return (
    <div className="dw-deploy-progress" role="status" data-testid="deploy-progress">
      <span className="dw-deploy-progress__title">Deploying rev {rev}</span>
      <span className="dw-deploy-progress__count" data-step="identity-issued">
        <b>{identity}</b> identity issued
      </span>
      <span className="dw-deploy-progress__count" data-step="starting">
        <b>{starting}</b> starting
      </span>
      <span className="dw-deploy-progress__count dw-deploy-progress__count--ready" data-step="ready">
        <b>
          {ready}/{total}
        </b>{' '}
        ready
      </span>
      {crashed !== '0' && (
        <span className="dw-deploy-progress__count dw-deploy-progress__count--bad" data-step="crashed">
          <b>{crashed}</b> crashed
        </span>
      )}
    </div>
  );
}
