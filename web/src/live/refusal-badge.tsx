// Calls a node refused that no link explains: "3 refused: not-linked from x".
import { formatCount } from './format';
import { useRefusals } from './use-live';

export function RefusalBadge({ id }: { id: string }) {
  const refusals = useRefusals(id);
  if (refusals.length === 0) return null;
  return (
    <ul className="dw-refusals" data-testid={`refusals-${id}`} aria-label={`Calls ${id} refused`}>
      {refusals.map((r) => (
        <li key={`${r.from}|${r.reason}`}>
          {formatCount(r.count)} refused: {r.reason} from {r.from ?? 'an unknown caller'}
        </li>
      ))}
    </ul>
  );
}
