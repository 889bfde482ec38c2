// The live line inside a node: requests accepted (services) or sent (clients) per second.
import type { ServiceKind } from '@dw/world';
import { formatRate } from './format';
import { useAcceptedRate, useSentRate } from './use-live';

function AcceptedLine({ id }: { id: string }) {
  const rate = useAcceptedRate(id);
  return (
    <span className="dw-node__live" data-testid={`node-rate-${id}`} data-rate={rate}>
      {formatRate(rate)} accepted
    </span>
  );
}

function SentLine({ id }: { id: string }) {
  const rate = useSentRate(id);
  return (
    <span className="dw-node__live" data-testid={`node-rate-${id}`} data-rate={rate}>
      {formatRate(rate)} sent
    </span>
  );
}

export function NodeLiveLine({ id, kind }: { id: string; kind: ServiceKind }) {
  return kind === 'service' ? <AcceptedLine id={id} /> : <SentLine id={id} />;
}
