// What client and service nodes share: the frame with id, state pill, summary line and live numbers.
import type { ServiceKind } from '@dw/world';
import type { ReactNode } from 'react';
import { NodeLiveLine } from '../live/node-live-line';
import { RefusalBadge } from '../live/refusal-badge';
import { useServiceState } from '../live/use-live';
import { useEditor } from '../store/editor-context';

interface NodeFrameProps {
  id: string;
  kind: ServiceKind;
  summary: string;
  selected: boolean;
  /** The handles: rendered inside the frame so they sit on its edges. */
  children: ReactNode;
}

export function NodeFrame({ id, kind, summary, selected, children }: NodeFrameProps) {
  const invalid = useEditor((s) => s.problems.nodes[id] !== undefined);
  const state = useServiceState(id);
  const classes = ['dw-node', `dw-node--${kind}`, invalid && 'dw-node--invalid', selected && 'dw-node--selected'];
  return (
    <div className={classes.filter(Boolean).join(' ')} data-testid={`node-${id}`} data-state={state}>
      {children}
      <div className="dw-node__head">
        <span className="dw-node__kind" aria-hidden="true" />
        <span className="dw-node__id" title={id}>
          {id || '(no id)'}
        </span>
        {state !== 'idle' && state !== 'stopped' && <span className={`dw-state dw-state--${state}`}>{state}</span>}
      </div>
      <div className="dw-node__summary">{summary}</div>
      {state !== 'idle' && state !== 'stopped' && <NodeLiveLine id={id} kind={kind} />}
      <RefusalBadge id={id} />
    </div>
  );
}
