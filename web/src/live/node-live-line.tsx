// The live line inside a node: requests accepted or calls sent per second (which one, its kind's entry says).
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

export function NodeLiveLine({ id, measure }: { id: string; measure: 'accepted' | 'sent' }) {
  return measure === 'accepted' ? <AcceptedLine id={id} /> : <SentLine id={id} />;
}
