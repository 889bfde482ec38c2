// What client and service nodes share: the frame with id, state pill, summary line and live numbers.
import type { Display, ServiceKind } from '@dw/world';
import type { ReactNode } from 'react';
import { DeploySteps } from '../live/deploy-steps';
import { NodeLiveLine } from '../live/node-live-line';
import { RefusalBadge } from '../live/refusal-badge';
import { ReplicaHealth } from '../live/replica-health';
import { useDeployStep, useServiceState } from '../live/use-live';
import { useEditor } from '../store/editor-context';

interface NodeFrameProps {
  id: string;
  kind: ServiceKind;
  summary: string;
  selected: boolean;
  /** Where an imported compose service came from: shown, never run. */
  display?: Display;
  /** The handles: rendered inside the frame so they sit on its edges. */
  children: ReactNode;
}

function describeDisplay(display: Display | undefined): string | null {
  if (!display) return null;
  const parts = [display.image, display.ports?.length ? `ports ${display.ports.join(', ')}` : undefined];
  const text = parts.filter(Boolean).join(' · ');
  return text.length > 0 ? text : null;
}

export function NodeFrame({ id, kind, summary, selected, display, children }: NodeFrameProps) {
  const origin = describeDisplay(display);
  const invalid = useEditor((s) => s.problems.nodes[id] !== undefined);
  const state = useServiceState(id);
  const deployStep = useDeployStep(id);
  const classes = ['dw-node', `dw-node--${kind}`, invalid && 'dw-node--invalid', selected && 'dw-node--selected'];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      data-testid={`node-${id}`}
      data-state={state}
      data-deploy-step={deployStep}
    >
      {children}
      <div className="dw-node__head">
        <span className="dw-node__kind" aria-hidden="true" />
        <span className="dw-node__id" title={id}>
          {id || '(no id)'}
        </span>
        {state !== 'idle' && state !== 'stopped' && <span className={`dw-state dw-state--${state}`}>{state}</span>}
      </div>
      <div className="dw-node__summary">{summary}</div>
      {origin && (
        <div className="dw-node__origin" title={`from compose: ${origin}`} data-testid={`node-origin-${id}`}>
          {origin}
        </div>
      )}
      <DeploySteps id={id} />
      {state !== 'idle' && state !== 'stopped' && kind === 'service' && <ReplicaHealth id={id} />}
      {state !== 'idle' && state !== 'stopped' && <NodeLiveLine id={id} kind={kind} />}
      <RefusalBadge id={id} />
    </div>
  );
}
