// A client's behaviour in the inspector: how many requests per second it sends, how big they are, and its load
// beyond its rate (concurrency, ramp).
import { type ClientConfig, MAX_PAYLOAD_BYTES, MAX_RPS } from '@dw/world';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';
import { ClientLoadFields } from './client-load-fields';

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
