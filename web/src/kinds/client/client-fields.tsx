// A client's behaviour in the inspector: how many requests per second it sends, how big they are, and its load
// beyond its rate (concurrency, ramp).
import { type ClientConfig, MAX_PAYLOAD_BYTES, MAX_RPS } from '@dw/world';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';

export function ClientFields({ config, messages, onChange }: ConfigFieldsProps<ClientConfig>) {
  return (
    <>
      <NumberField
        label="Requests per second"
        value={config.rps}
        unit="req/s"
        message={messages['config/rps']}
        hint={`0 to ${MAX_RPS}; spread over all of this client's links.`}
        onChange={(rps) => onChange({ ...config, rps: rps ?? Number.NaN })}
      />
      <NumberField
        label="Payload bytes"
        value={config.payloadBytes}
        unit="B"
        optional
        placeholder="0"
        message={messages['config/payloadBytes']}
        hint={`Body size of each request, up to ${MAX_PAYLOAD_BYTES.toLocaleString('en-US')}.`}
        onChange={(payloadBytes) => {
          const { payloadBytes: _, ...rest } = config;
          onChange(payloadBytes === undefined ? rest : { ...rest, payloadBytes });
        }}
      />
      <ClientLoadFields config={config} messages={messages} onChange={onChange} />
    </>
  );
}

/** Its load beyond its rate: how many calls it keeps in flight per link, and a ramp. */
function ClientLoadFields({ config, messages, onChange }: Omit<ConfigFieldsProps<ClientConfig>, 'id'>) {
  const set = <K extends 'concurrency' | 'ramp'>(key: K, value: ClientConfig[K] | undefined) => {
    const { [key]: _, ...rest } = config;
    onChange((value === undefined ? rest : { ...rest, [key]: value }) as ClientConfig);
  };
  const ramp = config.ramp;
  return (
    <>
      <NumberField
        label="Concurrency"
        value={config.concurrency}
        optional
        placeholder="256"
        message={messages['config/concurrency']}
        hint="Calls in flight per link at most; a tick beyond it counts as a failed call."
        onChange={(v) => set('concurrency', v)}
      />
      <div className="dw-field-row">
        <NumberField
          label="Ramp to (req/s)"
          value={ramp?.toRps}
          unit="req/s"
          optional
          placeholder="off"
          message={messages['config/ramp/toRps'] ?? messages['config/ramp']}
          onChange={(toRps) => set('ramp', toRps === undefined ? undefined : { overS: ramp?.overS ?? 30, toRps })}
        />
        <NumberField
          label="Ramp over (s)"
          value={ramp?.overS}
          unit="s"
          optional
          placeholder="30"
          message={messages['config/ramp/overS']}
          onChange={(overS) => ramp && set('ramp', { ...ramp, overS: overS ?? Number.NaN })}
        />
      </div>
    </>
  );
}
