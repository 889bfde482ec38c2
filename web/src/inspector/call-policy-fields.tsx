// How a node calls its links and what happens when its process exits: the restart policy (compose's names),
// and for its calls a mode, a per-call timeout, retries with backoff and a circuit breaker. Which of these a node
// has, its kind says: its facts (restart) and its config schema (a `calls` policy, with or without `mode`).
// Everything is optional: an empty field means the default.
import {
  type AnyKind,
  CALL_MODES,
  type CallMode,
  type ClientCallPolicy,
  DEFAULT_BACKOFF_MS,
  DEFAULT_CALL_TIMEOUT_MS,
  RESTART_POLICIES,
  type RestartPolicy,
  type ServiceCallPolicy,
} from '@dw/world';
import { useId } from 'react';
import type { FieldMessages } from '../store/problem-index';
import { NumberField } from './fields';

/** What a kind's node may set here: a restart policy, a call policy, and in it a call mode. */
export interface CallPolicyShape {
  restart: boolean;
  calls: boolean;
  modes: boolean;
}

export function callPolicyShape(descriptor: AnyKind): CallPolicyShape {
  const properties = descriptor.config.properties as Record<string, { properties?: Record<string, unknown> }>;
  const calls = properties.calls;
  return {
    restart: descriptor.facts.restart,
    calls: calls !== undefined,
    modes: calls?.properties?.mode !== undefined,
  };
}

interface Props {
  shape: CallPolicyShape;
  restart: RestartPolicy | undefined;
  calls: ServiceCallPolicy | undefined;
  messages: FieldMessages;
  onRestart(restart: RestartPolicy | undefined): void;
  onCalls(calls: ServiceCallPolicy | ClientCallPolicy | undefined): void;
}

function without<T extends object, K extends keyof T>(value: T, key: K, next: T[K] | undefined): T {
  const { [key]: _, ...rest } = value;
  return (next === undefined ? rest : { ...rest, [key]: next }) as T;
}

export function CallPolicyFields({ shape, restart, calls, messages, onRestart, onCalls }: Props) {
  const restartId = useId();
  const modeId = useId();
  const policy: ServiceCallPolicy = calls ?? {};
  const set = <K extends keyof ServiceCallPolicy>(key: K, value: ServiceCallPolicy[K] | undefined) => {
    const next = without(policy, key, value);
    onCalls(Object.keys(next).length > 0 ? next : undefined);
  };
  const breaker = policy.breaker;
  return (
    <fieldset className="dw-fieldset">
      <legend className="dw-field__label">
        {shape.restart && shape.calls
          ? 'When it fails, and how it calls'
          : shape.restart
            ? 'When it fails'
            : 'How it calls'}
      </legend>
      {shape.restart && (
        <div className={`dw-field${messages.restart ? ' dw-field--invalid' : ''}`}>
          <label className="dw-field__label" htmlFor={restartId}>
            Restart policy
          </label>
          <select
            id={restartId}
            className="dw-input"
            value={restart ?? 'no'}
            onChange={(event) =>
              onRestart(event.target.value === 'no' ? undefined : (event.target.value as RestartPolicy))
            }
          >
            {RESTART_POLICIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <p className="dw-field__hint">As in compose: no, on-failure (with backoff), always.</p>
        </div>
      )}
      {shape.modes && (
        <div className="dw-field">
          <label className="dw-field__label" htmlFor={modeId}>
            Call mode
          </label>
          <select
            id={modeId}
            className="dw-input"
            value={policy.mode ?? 'parallel'}
            onChange={(event) =>
              set('mode', event.target.value === 'parallel' ? undefined : (event.target.value as CallMode))
            }
          >
            {CALL_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <p className="dw-field__hint">Every link at once, one after another, or one link chosen by weight.</p>
        </div>
      )}
      {shape.calls && (
        <>
          <div className="dw-field-row">
            <NumberField
              label="Call timeout (ms)"
              value={policy.timeoutMs}
              unit="ms"
              optional
              placeholder={String(DEFAULT_CALL_TIMEOUT_MS)}
              message={messages['config/calls/timeoutMs']}
              onChange={(v) => set('timeoutMs', v)}
            />
            <NumberField
              label="Retries"
              value={policy.retries}
              optional
              placeholder="0"
              message={messages['config/calls/retries']}
              onChange={(v) => set('retries', v)}
            />
          </div>
          <div className="dw-field-row">
            <NumberField
              label="Retry backoff (ms)"
              value={policy.backoffMs}
              unit="ms"
              optional
              placeholder={String(DEFAULT_BACKOFF_MS)}
              message={messages['config/calls/backoffMs']}
              onChange={(v) => set('backoffMs', v)}
            />
            <NumberField
              label="Breaker after failures"
              value={breaker?.failures}
              optional
              placeholder="off"
              message={messages['config/calls/breaker/failures'] ?? messages['config/calls/breaker']}
              onChange={(failures) =>
                set('breaker', failures === undefined ? undefined : { openMs: breaker?.openMs ?? 5000, failures })
              }
            />
          </div>
          {breaker && (
            <NumberField
              label="Breaker open (ms)"
              value={breaker.openMs}
              unit="ms"
              message={messages['config/calls/breaker/openMs']}
              hint="How long it fails calls at once before one trial call."
              onChange={(openMs) => set('breaker', { ...breaker, openMs: openMs ?? Number.NaN })}
            />
          )}
        </>
      )}
    </fieldset>
  );
}
