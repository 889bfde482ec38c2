// The last minutes of a link or a service as three small stacked charts: rate, errors, p99 latency. Re-renders
// once a second (when a history point is added), only while its inspector is open.
import { useTraffic } from '../store/editor-context';
import type { HistoryPoint } from './traffic-store';

const W = 248;
const H = 34;

function Series({
  points,
  pick,
  label,
  unit,
  tone,
}: {
  points: readonly HistoryPoint[];
  pick: (p: HistoryPoint) => number;
  label: string;
  unit: string;
  tone: 'rate' | 'error' | 'latency';
}) {
  const values = points.map(pick);
  const max = Math.max(1e-9, ...values);
  const last = values.at(-1) ?? 0;
  const step = points.length > 1 ? W / (points.length - 1) : W;
  const path = values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`)
    .join(' ');
  return (
    <div className="dw-history__series">
      <div className="dw-history__legend">
        <span>{label}</span>
        <span className="dw-history__value">
          {Math.round(last * 10) / 10}
          {unit} <span className="dw-muted">(max {Math.round(max * 10) / 10})</span>
        </span>
      </div>
      <svg
        className={`dw-history__chart dw-history__chart--${tone}`}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${label} over the last minutes`}
      >
        {values.length > 1 && <path d={`${path} L${W},${H} L0,${H} Z`} className="dw-history__area" />}
        {values.length > 1 && <path d={path} className="dw-history__line" />}
      </svg>
    </div>
  );
}

/** `historyKey` is `link:<id>`, `service:<id>` (the calls to it) or `out:<id>` (the calls it makes). */
export function HistoryChart({
  historyKey,
  rateLabel,
  errorsLabel = 'Errors + refused',
  latencyLabel = 'p99 latency',
}: {
  historyKey: string;
  rateLabel: string;
  errorsLabel?: string;
  latencyLabel?: string;
}) {
  useTraffic((s) => s.historyVersion);
  const history = useTraffic((s) => s.actions.history);
  const points = history(historyKey);
  if (points.length < 2) return <p className="dw-muted">History appears after a few seconds of traffic.</p>;
  const minutes = Math.max(1, Math.round(((points.at(-1)?.at ?? 0) - (points[0]?.at ?? 0)) / 60_000));
  return (
    <div className="dw-history" data-testid={`history-${historyKey}`} data-points={points.length}>
      <Series points={points} pick={(p) => p.rate} label={rateLabel} unit="/s" tone="rate" />
      <Series points={points} pick={(p) => p.errors} label={errorsLabel} unit="/s" tone="error" />
      <Series points={points} pick={(p) => p.p99Ms} label={latencyLabel} unit=" ms" tone="latency" />
      <p className="dw-muted dw-history__span">
        last {points.length < 60 ? `${points.length} s` : `${minutes} min`}, one point a second
      </p>
    </div>
  );
}
