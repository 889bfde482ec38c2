// What every node shares, whatever its kind: the frame with its handles, id, state pill, summary line and live
// numbers. The handles follow the kind's facts: a target handle when a link may lead to it, a source handle
// unless it may have no links of its own (an impostor). Its colour is its kind's (`dw-kind--<kind>`, set in the
// kind's .css).
import { type Display, kindOf } from '@dw/world';
import { Handle, Position } from '@xyflow/react';
import type { ReactNode } from 'react';
import { DeploySteps } from '../live/deploy-steps';
import { NodeLiveLine } from '../live/node-live-line';
import { RefusalBadge } from '../live/refusal-badge';
import { ReplicaHealth } from '../live/replica-health';
import { useDeployStep, useServiceState } from '../live/use-live';
import { useEditor } from '../store/editor-context';
import type { EditorNodeData } from '../store/flow-types';

interface NodeFrameProps {
  id: string;
  data: EditorNodeData;
  summary: string;
  selected: boolean;
  /** What its live line counts (its kind's entry says). */
  live: 'accepted' | 'sent';
  /** More of the node's body, below its live line (a gateway's URL). */
  children?: ReactNode;
}

function describeDisplay(display: Display | undefined): string | null {
  if (!display) return null;
  const parts = [display.image, display.ports?.length ? `ports ${display.ports.join(', ')}` : undefined];
  const text = parts.filter(Boolean).join(' · ');
  return text.length > 0 ? text : null;
}

export function NodeFrame({ id, data, summary, selected, live, children }: NodeFrameProps) {
  const descriptor = kindOf(data.kind);
  const origin = describeDisplay('display' in data ? data.display : undefined);
  const invalid = useEditor((s) => s.problems.nodes[id] !== undefined);
  const state = useServiceState(id);
  const deployStep = useDeployStep(id);
  const running = state !== 'idle' && state !== 'stopped';
  const classes = ['dw-node', `dw-kind--${data.kind}`, invalid && 'dw-node--invalid', selected && 'dw-node--selected'];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      data-testid={`node-${id}`}
      data-kind={data.kind}
      data-state={state}
      data-deploy-step={deployStep}
    >
      {descriptor.facts.callable === true && (
        <Handle type="target" position={Position.Left} aria-label={`Connect to ${id}`} />
      )}
      {!descriptor.noLinksFrom?.(data.config) && (
        <Handle type="source" position={Position.Right} aria-label={`Connect from ${id}`} />
      )}
      <div className="dw-node__head">
        <span className="dw-node__kind" aria-hidden="true" />
        <span className="dw-node__id" title={id}>
          {id || '(no id)'}
        </span>
        {running && <span className={`dw-state dw-state--${state}`}>{state}</span>}
      </div>
      <div className="dw-node__summary">{summary}</div>
      {origin && (
        <div className="dw-node__origin" title={`from compose: ${origin}`} data-testid={`node-origin-${id}`}>
          {origin}
        </div>
      )}
      <DeploySteps id={id} />
      {running && descriptor.facts.replicas === true && <ReplicaHealth id={id} />}
      {running && <NodeLiveLine id={id} measure={live} />}
      {children}
      <RefusalBadge id={id} />
    </div>
  );
}
