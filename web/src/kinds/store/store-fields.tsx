// A store's config in the inspector: how much it holds at most (keys, one value, everything).
import {
  DEFAULT_STORE_MAX_BYTES,
  DEFAULT_STORE_MAX_KEYS,
  DEFAULT_STORE_MAX_VALUE_BYTES,
  type StoreConfig,
} from '@dw/world';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';

export function StoreFields({ config, messages, onChange }: ConfigFieldsProps<StoreConfig>) {
  const set = (key: keyof StoreConfig, value: number | undefined) => {
    const { [key]: _, ...rest } = config;
    onChange(value === undefined ? rest : { ...rest, [key]: value });
  };
  return (
    <>
      <p className="dw-muted">
        Linked callers GET, PUT and DELETE /kv/&lt;key&gt;; a write is answered once it is on disk. A service's own
        config says how its calls to a store read and write.
      </p>
      <NumberField
        label="Keys at most"
        value={config.maxKeys}
        optional
        placeholder={String(DEFAULT_STORE_MAX_KEYS)}
        message={messages['config/maxKeys']}
        hint="A PUT of a new key beyond it gets 507."
        onChange={(v) => set('maxKeys', v)}
      />
      <div className="dw-field-row">
        <NumberField
          label="Value size at most"
          value={config.maxValueBytes}
          unit="B"
          optional
          placeholder={String(DEFAULT_STORE_MAX_VALUE_BYTES)}
          message={messages['config/maxValueBytes']}
          hint="Larger: 413."
          onChange={(v) => set('maxValueBytes', v)}
        />
        <NumberField
          label="Bytes at most"
          value={config.maxBytes}
          unit="B"
          optional
          placeholder={String(DEFAULT_STORE_MAX_BYTES)}
          message={messages['config/maxBytes']}
          hint="Keys and values together; beyond: 507."
          onChange={(v) => set('maxBytes', v)}
        />
      </div>
    </>
  );
}
