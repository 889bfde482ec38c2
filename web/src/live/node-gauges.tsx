// The figures a node's kind reports of itself (its descriptor's gauges: a queue's depth, a store's keys), live on
// the node while it runs. Each figure subscribes to its own number only (useGauge, on the display clock).
import { type GaugeSpec, kindOf, type ServiceKind } from '@dw/world';
import { formatCount, formatRate } from './format';
import { useGauge } from './use-live';

const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatGauge(value: number, unit: GaugeSpec['unit']): string {
  switch (unit) {
    case 'perSec':
      return formatRate(value);
    case 'bytes':
      return value >= 1024 * 1024
        ? `${oneDecimal.format(value / 1024 / 1024)} MB`
        : value >= 1024
          ? `${oneDecimal.format(value / 1024)} KB`
          : `${formatCount(value)} B`;
    case 'ms':
      return value >= 1000 ? `${oneDecimal.format(value / 1000)} s` : `${formatCount(value)} ms`;
    default:
      return formatCount(value);
  }
}

function Figure({ id, spec }: { id: string; spec: GaugeSpec }) {
  const value = useGauge(id, spec.name);
  return (
    <span
      className="dw-gauge"
      data-testid={`gauge-${id}-${spec.name}`}
      data-value={value ?? ''}
      title={`${spec.label}: ${spec.means}`}
    >
      <span className="dw-gauge__label">{spec.label}</span>{' '}
      <span className="dw-gauge__value">{value === undefined ? '–' : formatGauge(value, spec.unit)}</span>
    </span>
  );
}

/** Every gauge of the node's kind (or the ones named), in the descriptor's order. */
export function NodeGauges({ id, kind, only }: { id: string; kind: ServiceKind; only?: readonly string[] }) {
  const specs = (kindOf(kind).gauges ?? []).filter((g) => !only || only.includes(g.name));
  if (specs.length === 0) return null;
  return (
    <div className="dw-node__gauges" data-testid={`gauges-${id}`}>
      {specs.map((spec) => (
        <Figure key={spec.name} id={id} spec={spec} />
      ))}
    </div>
  );
}
