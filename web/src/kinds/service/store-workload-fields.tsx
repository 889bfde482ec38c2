// How a service's calls to the stores it links to read and write (its config's `store`): shown once it links to a
// store (or has a workload already). Each call is a GET, a PUT or a DELETE of a key drawn from the key space.
import { DEFAULT_STORE_WORKLOAD, type ServiceConfig, type StoreWorkload } from '@dw/world';
import { NumberField } from '../../inspector/fields';
import { formatPercent } from '../../live/format';
import { useEditor } from '../../store/editor-context';
import type { ConfigFieldsProps } from '../kind-entry';
import { deleteShareOf, linksToStore, withWorkloadField } from './store-workload';

/** True when a link of the service leads to a store. */
function useLinksToStore(id: string): boolean {
  return useEditor((s) => linksToStore(id, s.nodes, s.edges));
}

export function StoreWorkloadFields({ id, config, messages, onChange }: ConfigFieldsProps<ServiceConfig>) {
  const linked = useLinksToStore(id);
  const workload = config.store;
  if (!linked && workload === undefined) return null;
  const set = (key: keyof StoreWorkload, value: number | undefined) => onChange(withWorkloadField(config, key, value));
  const deletes = deleteShareOf(workload);
  return (
    <fieldset className="dw-fieldset" data-testid={`store-workload-${id}`}>
      <legend className="dw-field__label">Calls to stores</legend>
      {messages['config/store'] && <p className="dw-field__message">{messages['config/store']}</p>}
      <div className="dw-field-row">
        <NumberField
          label="Read share"
          value={workload?.readShare}
          optional
          placeholder={String(DEFAULT_STORE_WORKLOAD.readShare * 100)}
          unit="%"
          scale={100}
          message={messages['config/store/readShare']}
          hint="GETs, 0 to 100 %."
          onChange={(v) => set('readShare', v)}
        />
        <NumberField
          label="Write share"
          value={workload?.writeShare}
          optional
          placeholder={String(DEFAULT_STORE_WORKLOAD.writeShare * 100)}
          unit="%"
          scale={100}
          message={messages['config/store/writeShare']}
          hint={`PUTs; the rest (${formatPercent(deletes)}) are DELETEs.`}
          onChange={(v) => set('writeShare', v)}
        />
      </div>
      <div className="dw-field-row">
        <NumberField
          label="Keys"
          value={workload?.keys}
          optional
          placeholder={String(DEFAULT_STORE_WORKLOAD.keys)}
          message={messages['config/store/keys']}
          hint="key-0 … key-(n-1), drawn evenly."
          onChange={(v) => set('keys', v)}
        />
        <NumberField
          label="Value size"
          value={workload?.valueBytes}
          unit="B"
          optional
          placeholder={String(DEFAULT_STORE_WORKLOAD.valueBytes)}
          message={messages['config/store/valueBytes']}
          hint="Of each PUT."
          onChange={(v) => set('valueBytes', v)}
        />
      </div>
    </fieldset>
  );
}
