// One check of a scenario: a metric (p50 / p90 / p99 / mean / max latency, errors, rate) of a link or of a
// service's outbound calls, a comparator and a threshold with its unit. Written back as the text the world file
// keeps ("p99(a->b) < 200ms"); a text that does not read as one (hand-written) is edited as text.
import type { AssertionMetric, AssertionOp, World } from '@dw/world';
import {
  type AssertionForm,
  type AssertionUnit,
  changeMetric,
  formatAssertion,
  linkOnly,
  METRICS,
  OPS,
  readAssertion,
  unitsOf,
} from './scenario-edits';

interface AssertionRowProps {
  text: string;
  index: number;
  world: World;
  message: string;
  /** The new text, or null to remove the check. */
  onChange(text: string | null): void;
}

export function AssertionRow({ text, index, world, message, onChange }: AssertionRowProps) {
  const form = readAssertion(text);
  const name = `Check ${index + 1}`;
  const remove = (
    <button
      type="button"
      className="dw-icon-button dw-icon-button--small"
      title="Remove this check"
      aria-label={`Remove ${name.toLowerCase()}`}
      onClick={() => onChange(null)}
    >
      ×
    </button>
  );
  const className = `dw-scenario-item${message ? ' dw-scenario-item--invalid' : ''}`;
  if (!form) {
    return (
      <li className={className} data-testid={`check-${index}`}>
        <div className="dw-scenario-item__line">
          <input
            className="dw-input dw-input--compact dw-scenario-item__grow"
            type="text"
            aria-label={`${name} text`}
            value={text}
            spellCheck={false}
            aria-invalid={message ? true : undefined}
            onChange={(event) => onChange(event.target.value)}
          />
          <span className="dw-scenario-item__tools">{remove}</span>
        </div>
        {message && <p className="dw-field__message">{message}</p>}
      </li>
    );
  }
  const set = (next: AssertionForm) => onChange(formatAssertion(next));
  const targets = [
    ...world.links.map((l) => ({ value: `${l.from}->${l.to}`, label: `${l.from} → ${l.to}` })),
    ...(linkOnly(form.metric)
      ? []
      : world.services
          .filter((s) => world.links.some((l) => l.from === s.id))
          .map((s) => ({ value: s.id, label: `${s.id} (all its calls)` }))),
  ].filter((t, i, all) => all.findIndex((u) => u.value === t.value) === i);
  if (!targets.some((t) => t.value === form.target)) targets.unshift({ value: form.target, label: form.target });
  return (
    <li className={className} data-testid={`check-${index}`}>
      <div className="dw-scenario-item__line">
        <select
          className="dw-select dw-select--compact dw-scenario-item__grow"
          aria-label={`${name} metric`}
          value={form.metric}
          onChange={(event) => set(changeMetric(form, event.target.value as AssertionMetric, world))}
        >
          {METRICS.map((m) => (
            <option key={m.metric} value={m.metric}>
              {m.label}
            </option>
          ))}
        </select>
        <span className="dw-scenario-item__tools">{remove}</span>
      </div>
      <div className="dw-scenario-item__line">
        <span className="dw-scenario-item__at">of</span>
        <select
          className="dw-select dw-select--compact dw-scenario-item__grow"
          aria-label={`${name} target`}
          value={form.target}
          onChange={(event) => set({ ...form, target: event.target.value })}
        >
          {targets.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <div className="dw-scenario-item__line">
        <span className="dw-scenario-item__at">is</span>
        <select
          className="dw-select dw-select--compact"
          aria-label={`${name} comparator`}
          value={form.op}
          onChange={(event) => set({ ...form, op: event.target.value as AssertionOp })}
        >
          {OPS.map((op) => (
            <option key={op} value={op}>
              {op}
            </option>
          ))}
        </select>
        <input
          className="dw-input dw-input--compact dw-input--number dw-scenario-item__threshold"
          type="text"
          inputMode="decimal"
          aria-label={`${name} threshold`}
          value={form.threshold}
          aria-invalid={message ? true : undefined}
          onChange={(event) => set({ ...form, threshold: event.target.value })}
        />
        <select
          className="dw-select dw-select--compact"
          aria-label={`${name} unit`}
          value={form.unit}
          disabled={unitsOf(form.metric).length < 2}
          onChange={(event) => set({ ...form, unit: event.target.value as AssertionUnit })}
        >
          {unitsOf(form.metric).map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </div>
      {message && <p className="dw-field__message">{message}</p>}
    </li>
  );
}
