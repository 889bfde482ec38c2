// One step of a scenario's timeline: when, what (a fault on a link, pause / resume / kill of a service, heal),
// on which link or service of the world, and its numbers; moved up or down, or removed.
import type { FaultSpec, ScenarioStep, World } from '@dw/world';
import { useEffect, useState } from 'react';
import {
  changeStepKind,
  moveItem,
  removeItem,
  replaceItem,
  STEP_KINDS,
  type StepKind,
  stepKind,
  stepTarget,
} from './scenario-edits';

const show = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : String(v));

/** A small number input that keeps what is typed ("" and "abc" become NaN, which validation explains). */
export function CompactNumber({
  label,
  value,
  unit,
  optional = false,
  onChange,
}: {
  label: string;
  value: number | undefined;
  unit: string;
  optional?: boolean;
  onChange(value: number | undefined): void;
}) {
  const [text, setText] = useState(() => show(value));
  useEffect(() => {
    setText((current) =>
      Object.is(current.trim() === '' ? undefined : Number(current), value) ? current : show(value),
    );
  }, [value]);
  return (
    <span className="dw-compact-number">
      <input
        className="dw-input dw-input--compact dw-input--number"
        type="text"
        inputMode="decimal"
        aria-label={label}
        value={text}
        autoComplete="off"
        onChange={(event) => {
          setText(event.target.value);
          const trimmed = event.target.value.trim();
          onChange(trimmed === '' ? (optional ? undefined : Number.NaN) : Number(trimmed));
        }}
      />
      <span className="dw-compact-number__unit">{unit}</span>
    </span>
  );
}

interface StepRowProps {
  step: ScenarioStep;
  index: number;
  count: number;
  world: World;
  messages: string[];
  onChange(edit: (steps: ScenarioStep[]) => ScenarioStep[]): void;
}

export function StepRow({ step, index, count, world, messages, onChange }: StepRowProps) {
  const kind = stepKind(step);
  const on = STEP_KINDS.find((k) => k.kind === kind)?.on ?? null;
  const target = stepTarget(step);
  const set = (next: ScenarioStep) => onChange((steps) => replaceItem(steps, index, next));
  const setFault = (fault: FaultSpec) => set({ atS: step.atS, do: 'fault', fault });
  const latency = step.do === 'fault' && step.fault.kind === 'latency' ? step.fault : null;
  const share = step.do === 'fault' && (step.fault.kind === 'abort' || step.fault.kind === 'drop') ? step.fault : null;
  const name = `Step ${index + 1}`;
  const options =
    on === 'link'
      ? world.links.map((l) => ({ value: l.id, label: `${l.from} → ${l.to}` }))
      : world.services.map((s) => ({ value: s.id, label: s.id }));
  if (on !== null && !options.some((o) => o.value === target)) options.unshift({ value: target, label: target });
  const retarget = (value: string) => {
    if (step.do === 'fault') {
      set({
        ...step,
        fault: 'linkId' in step.fault ? { ...step.fault, linkId: value } : { ...step.fault, serviceId: value },
      });
    } else if (step.do !== 'heal') set({ ...step, serviceId: value });
  };
  return (
    <li
      className={`dw-scenario-item${messages.length > 0 ? ' dw-scenario-item--invalid' : ''}`}
      data-testid={`step-${index}`}
    >
      <div className="dw-scenario-item__line">
        <span className="dw-scenario-item__at">at</span>
        <CompactNumber
          label={`${name} time`}
          unit="s"
          value={step.atS}
          onChange={(atS) => set({ ...step, atS: atS ?? Number.NaN })}
        />
        <span className="dw-scenario-item__tools">
          <button
            type="button"
            className="dw-icon-button dw-icon-button--small"
            title="Move up"
            aria-label={`Move ${name.toLowerCase()} up`}
            disabled={index === 0}
            onClick={() => onChange((steps) => moveItem(steps, index, index - 1))}
          >
            ↑
          </button>
          <button
            type="button"
            className="dw-icon-button dw-icon-button--small"
            title="Move down"
            aria-label={`Move ${name.toLowerCase()} down`}
            disabled={index === count - 1}
            onClick={() => onChange((steps) => moveItem(steps, index, index + 1))}
          >
            ↓
          </button>
          <button
            type="button"
            className="dw-icon-button dw-icon-button--small"
            title="Remove this step"
            aria-label={`Remove ${name.toLowerCase()}`}
            onClick={() => onChange((steps) => removeItem(steps, index))}
          >
            ×
          </button>
        </span>
      </div>
      <div className="dw-scenario-item__line">
        <span className="dw-scenario-item__at">do</span>
        <select
          className="dw-select dw-select--compact dw-scenario-item__grow"
          aria-label={`${name} action`}
          value={kind}
          onChange={(event) => set(changeStepKind(step, event.target.value as StepKind, world))}
        >
          {STEP_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      {on !== null && (
        <div className="dw-scenario-item__line">
          <span className="dw-scenario-item__at">on</span>
          <select
            className="dw-select dw-select--compact dw-scenario-item__grow"
            aria-label={`${name} ${on}`}
            value={target}
            onChange={(event) => retarget(event.target.value)}
          >
            {options.length === 0 && <option value="">(no {on} in this world)</option>}
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
      )}
      {(latency || share) && (
        <div className="dw-scenario-item__line">
          <span className="dw-scenario-item__at">{latency ? '+' : ''}</span>
          {latency && (
            <>
              <CompactNumber
                label={`${name} latency`}
                unit="ms"
                value={latency.ms}
                onChange={(ms) => setFault({ ...latency, ms: ms ?? Number.NaN })}
              />
              <CompactNumber
                label={`${name} jitter`}
                unit="ms jitter (±)"
                optional
                value={latency.jitterMs}
                onChange={(jitterMs) => {
                  const { jitterMs: _, ...rest } = latency;
                  setFault(jitterMs === undefined ? rest : { ...rest, jitterMs });
                }}
              />
            </>
          )}
          {share && (
            <CompactNumber
              label={`${name} percent`}
              unit="%"
              value={share.percent}
              onChange={(percent) => setFault({ ...share, percent: percent ?? Number.NaN })}
            />
          )}
        </div>
      )}
      {messages.map((message) => (
        <p key={message} className="dw-field__message">
          {message}
        </p>
      ))}
    </li>
  );
}
