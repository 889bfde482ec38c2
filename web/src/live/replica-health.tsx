// The copies of a service that runs more than once, inside its node: one dot per copy coloured by its state,
// and how many are ready ("2/3 ready"). Hovering a dot names the copy, its state, its pid and its rate.
import { memo } from 'react';
import { formatRate } from './format';
import { useReplicas } from './use-live';

export const ReplicaHealth = memo(function ReplicaHealth({ id }: { id: string }) {
  const replicas = useReplicas(id);
  if (!replicas || replicas.length === 0) return null;
  const ready = replicas.filter((r) => r.state === 'ready').length;
  const all = ready === replicas.length;
  return (
    <div
      className="dw-replicas"
      data-testid={`replicas-${id}`}
      data-ready={ready}
      data-count={replicas.length}
      role="img"
      aria-label={`${ready} of ${replicas.length} replicas of ${id} ready`}
    >
      <span className="dw-replicas__dots">
        {replicas.map((r) => (
          <span
            key={r.replica}
            className={`dw-replicas__dot dw-replicas__dot--${r.state}`}
            data-testid={`replica-${id}-${r.replica}`}
            data-state={r.state}
            title={`replica ${r.replica}: ${r.state}${r.pid !== null ? `, pid ${r.pid}` : ''}${
              r.acceptedRate !== undefined ? `, ${formatRate(r.acceptedRate)} accepted` : ''
            }`}
          />
        ))}
      </span>
      <span className={`dw-replicas__count${all ? '' : ' dw-replicas__count--degraded'}`}>
        {ready}/{replicas.length} ready
      </span>
    </div>
  );
});
