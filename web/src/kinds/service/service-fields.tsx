// A service's behaviour: the latency it adds (fixed, or drawn from a range) and how often it fails; or its own
// code (a handler), in a code editor.
import { type Latency, MAX_LATENCY_MS, type ServiceConfig } from '@dw/world';
import { useId } from 'react';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';
import { HANDLER_TEMPLATE, HandlerEditor } from './handler-editor';
import { StoreWorkloadFields } from './store-workload-fields';

export function ServiceFields({ id, config, messages, onChange }: ConfigFieldsProps<ServiceConfig>) {
  const name = useId();
  const latency = config.latencyMs;
  const ranged = typeof latency === 'object';

  const setLatency = (next: Latency | undefined) => {
    const { latencyMs: _, ...rest } = config;
    onChange(next === undefined ? rest : { ...rest, latencyMs: next });
  };

  return (
    <>
      <fieldset className="dw-fieldset">
        <legend className="dw-field__label">Latency</legend>
        <div className="dw-segmented" role="radiogroup" aria-label="Latency kind">
          <label>
            <input
              type="radio"
              name={name}
              checked={!ranged}
              onChange={() => setLatency(ranged ? latency.min : latency)}
            />
            Fixed
          </label>
          <label>
            <input
              type="radio"
              name={name}
              checked={ranged}
              onChange={() => {
                const value = typeof latency === 'number' && Number.isFinite(latency) ? latency : 0;
                setLatency(ranged ? latency : { min: value, max: value * 2 || 10 });
              }}
            />
            Range
          </label>
        </div>
        {ranged ? (
          <div className="dw-field-row">
            <NumberField
              label="Latency min (ms)"
              value={latency.min}
              unit="ms"
              message={messages['config/latencyMs/min']}
              onChange={(min) => setLatency({ ...latency, min: min ?? Number.NaN })}
            />
            <NumberField
              label="Latency max (ms)"
              value={latency.max}
              unit="ms"
              message={messages['config/latencyMs/max']}
              onChange={(max) => setLatency({ ...latency, max: max ?? Number.NaN })}
            />
          </div>
        ) : (
          <NumberField
            label="Latency (ms)"
            value={latency}
            unit="ms"
            optional
            placeholder="0"
            message={messages['config/latencyMs']}
            hint={`Added to every request, 0 to ${MAX_LATENCY_MS.toLocaleString('en-US')}.`}
            onChange={setLatency}
          />
        )}
        {ranged && messages['config/latencyMs'] && <p className="dw-field__message">{messages['config/latencyMs']}</p>}
      </fieldset>
      <NumberField
        label="Error rate"
        value={config.errorRate}
        optional
        placeholder="0"
        unit="%"
        scale={100}
        message={messages['config/errorRate']}
        hint="Share of requests answered with an error, 0 to 100 %."
        onChange={(errorRate) => {
          const { errorRate: _, ...rest } = config;
          onChange(errorRate === undefined ? rest : { ...rest, errorRate });
        }}
      />
      <StoreWorkloadFields id={id} config={config} messages={messages} onChange={onChange} />
      <fieldset className="dw-fieldset">
        <legend className="dw-field__label">Handler (your own code)</legend>
        {config.handler === undefined ? (
          <button
            type="button"
            className="dw-button"
            data-testid={`handler-add-${id}`}
            onClick={() => onChange({ ...config, handler: HANDLER_TEMPLATE })}
          >
            Write a handler
          </button>
        ) : (
          <>
            <HandlerEditor
              id={id}
              value={config.handler}
              message={messages['config/handler']}
              onChange={(handler) => onChange({ ...config, handler })}
            />
            <button
              type="button"
              className="dw-button"
              data-testid={`handler-remove-${id}`}
              onClick={() => {
                const { handler: _, ...rest } = config;
                onChange(rest);
              }}
            >
              Remove the handler
            </button>
          </>
        )}
      </fieldset>
    </>
  );
}
