// A gateway's config in the inspector: whether its door speaks plain HTTP or TLS, and the port compose publishes
// it on. Locally the controller picks a free port (the node shows it once deployed).
import { DEFAULT_GATEWAY_PUBLISH_PORT, type GatewayConfig } from '@dw/world';
import { useId } from 'react';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';

export function GatewayFields({ config, messages, onChange }: ConfigFieldsProps<GatewayConfig>) {
  const doorId = useId();
  return (
    <>
      <div className={`dw-field${messages['config/tls'] ? ' dw-field--invalid' : ''}`}>
        <label className="dw-field__label" htmlFor={doorId}>
          Door
        </label>
        <select
          id={doorId}
          className="dw-input"
          value={config.tls ? 'tls' : 'http'}
          onChange={(event) => {
            const { tls: _, ...rest } = config;
            onChange(event.target.value === 'tls' ? { ...rest, tls: true } : rest);
          }}
        >
          <option value="http">plain HTTP</option>
          <option value="tls">TLS (the gateway's certificate)</option>
        </select>
        <p className="dw-field__hint">
          It forwards /&lt;service&gt;/&lt;path&gt; over mutual TLS to each service it links to; anything else gets 404
          and its routes.
        </p>
      </div>
      <NumberField
        label="Published port"
        value={config.publishPort}
        optional
        placeholder={String(DEFAULT_GATEWAY_PUBLISH_PORT)}
        message={messages['config/publishPort']}
        hint="Where compose publishes the door on 127.0.0.1. Locally a free port is chosen."
        onChange={(publishPort) => {
          const { publishPort: _, ...rest } = config;
          onChange(publishPort === undefined ? rest : { ...rest, publishPort });
        }}
      />
    </>
  );
}
