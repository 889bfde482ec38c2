// A client's behaviour: how many requests per second it sends and how big they are.
import type { ClientConfig } from '@dw/world';
import { MAX_PAYLOAD_BYTES, MAX_RPS } from '@dw/world';
import type { FieldMessages } from '../store/problem-index';
import { NumberField } from './fields';

interface Props {
  config: ClientConfig;
  messages: FieldMessages;
  onChange(config: ClientConfig): void;
}

export function ClientConfigFields({ config, messages, onChange }: Props) {
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
    </>
  );
}
