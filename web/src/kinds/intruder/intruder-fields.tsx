// An intruder's attack: its mode, whom an impostor impersonates, and how often it tries.
import { INTRUDER_MODES, type IntruderConfig, type IntruderMode, MAX_INTRUDER_RPS } from '@dw/world';
import { useId } from 'react';
import { NumberField } from '../../inspector/fields';
import { useEditor } from '../../store/editor-context';
import type { ConfigFieldsProps } from '../kind-entry';

/** How each mode reads on the node and in the mode list. */
export const MODE_LABELS: Record<IntruderMode, string> = {
  'no-cert': 'no certificate',
  'foreign-ca': 'certificate from a foreign CA',
  expired: 'expired certificate',
  unlinked: 'valid identity, no link',
  impostor: 'impostor',
};

const HINTS: Record<IntruderMode, string> = {
  'no-cert': 'Calls its links without a client certificate: refused in the handshake.',
  'foreign-ca': 'Calls with a certificate from a CA outside this world: refused as unknown CA.',
  expired: "Calls with a certificate from the world's own CA that expired an hour ago: refused as expired.",
  unlinked: 'Calls with a valid identity of its own where no allowing link leads: answered 403.',
  impostor:
    'Answers in the name of another service, with a certificate of its own: the callers of that service are sent to it for some calls and refuse it (name mismatch).',
};

export function IntruderFields({ config, messages, onChange }: ConfigFieldsProps<IntruderConfig>) {
  const modeId = useId();
  const targetId = useId();
  const services = useEditor((s) =>
    s.nodes
      .filter((n) => n.data.kind === 'service')
      .map((n) => n.id)
      .join('\n'),
  );
  const targets = services ? services.split('\n') : [];
  return (
    <>
      <div className="dw-field">
        <label className="dw-field__label" htmlFor={modeId}>
          Mode
        </label>
        <select
          id={modeId}
          className="dw-input"
          data-testid="intruder-mode"
          value={config.mode}
          onChange={(event) => {
            const mode = event.target.value as IntruderMode;
            const { impersonates, ...rest } = config;
            onChange(
              mode === 'impostor' ? { ...rest, mode, impersonates: impersonates ?? targets[0] } : { ...rest, mode },
            );
          }}
        >
          {INTRUDER_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode} ({MODE_LABELS[mode]})
            </option>
          ))}
        </select>
        <p className="dw-field__hint">{HINTS[config.mode]}</p>
        {messages['config/mode'] && <p className="dw-field__message">{messages['config/mode']}</p>}
      </div>
      {config.mode === 'impostor' ? (
        <div className={`dw-field${messages['config/impersonates'] || messages.config ? ' dw-field--invalid' : ''}`}>
          <label className="dw-field__label" htmlFor={targetId}>
            Impersonates
          </label>
          <select
            id={targetId}
            className="dw-input"
            data-testid="intruder-impersonates"
            value={config.impersonates ?? ''}
            onChange={(event) => onChange({ ...config, impersonates: event.target.value })}
          >
            {config.impersonates === undefined && <option value="">(choose a service)</option>}
            {targets.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          {(messages['config/impersonates'] ?? messages.config) && (
            <p className="dw-field__message">{messages['config/impersonates'] ?? messages.config}</p>
          )}
        </div>
      ) : (
        <NumberField
          label="Attempts per second"
          value={config.rps}
          unit="/s"
          optional
          placeholder="2"
          message={messages['config/rps']}
          hint={`On each of its links, 0 to ${MAX_INTRUDER_RPS}.`}
          onChange={(rps) => {
            const { rps: _, ...rest } = config;
            onChange(rps === undefined ? rest : { ...rest, rps });
          }}
        />
      )}
    </>
  );
}
