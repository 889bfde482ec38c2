// The selected link's faults while its world runs: inject latency (with jitter), an abort or drop share, or a
// partition; each fault in force is listed with a way to remove it. Applied to the running caller at once.
import { describeFault, type LinkFaultSpec } from '@dw/world';
import { useState } from 'react';
import { NumberField, ReadOnlyField } from '../inspector/fields';
import { useEditor } from '../store/editor-context';
import { useFaultActions, useLinkFaults } from './use-faults';

export function LinkFaultPanel({ linkId }: { linkId: string }) {
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null); // a replay is not live
  const faults = useLinkFaults(linkId);
  const { inject, heal } = useFaultActions();
  const [ms, setMs] = useState<number | undefined>(200);
  const [jitter, setJitter] = useState<number | undefined>(0);
  const [percent, setPercent] = useState<number | undefined>(30);
  if (!deployed) return null;
  const add = (fault: LinkFaultSpec) => void inject(fault);
  const okMs = ms !== undefined && Number.isInteger(ms) && ms >= 0 && ms <= 60_000;
  const okJitter = jitter === undefined || (Number.isInteger(jitter) && jitter >= 0 && jitter <= 60_000);
  const okPercent = percent !== undefined && percent >= 0 && percent <= 100;
  return (
    <section className="dw-inspector__section" aria-label="Faults">
      <h3 className="dw-section-title">Faults</h3>
      <p className="dw-muted">Injected in the caller's outbound path, on live traffic; nothing is redeployed.</p>
      {faults.length > 0 ? (
        <ul className="dw-fault-list">
          {faults.map((f) => (
            <li key={f.id}>
              <span>⚡ {describeFault(f.fault)}</span>
              <button type="button" className="dw-button dw-button--small" onClick={() => void heal(f.id)}>
                Heal {describeFault(f.fault)}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <ReadOnlyField label="In force">none</ReadOnlyField>
      )}
      <div className="dw-field-row">
        <NumberField label="Added latency (ms)" value={ms} unit="ms" message={undefined} onChange={setMs} />
        <NumberField
          label="Jitter (ms)"
          value={jitter}
          unit="ms"
          optional
          placeholder="0"
          message={undefined}
          onChange={setJitter}
        />
      </div>
      <button
        type="button"
        className="dw-button"
        disabled={!okMs || !okJitter}
        onClick={() => add({ kind: 'latency', linkId, ms: ms ?? 0, ...(jitter ? { jitterMs: jitter } : {}) })}
      >
        Add latency
      </button>
      <NumberField
        label="Share of calls (%)"
        value={percent}
        unit="%"
        message={okPercent ? undefined : 'between 0 and 100'}
        onChange={setPercent}
      />
      <div className="dw-fault-actions">
        <button
          type="button"
          className="dw-button"
          disabled={!okPercent}
          onClick={() => add({ kind: 'abort', linkId, percent: percent ?? 0 })}
        >
          Abort
        </button>
        <button
          type="button"
          className="dw-button"
          disabled={!okPercent}
          onClick={() => add({ kind: 'drop', linkId, percent: percent ?? 0 })}
        >
          Drop
        </button>
        <button
          type="button"
          className="dw-button dw-button--danger"
          onClick={() => add({ kind: 'partition', linkId })}
        >
          Partition
        </button>
      </div>
      <p className="dw-muted">
        Abort fails calls at once with 503 without sending them; drop sends them and loses the answer, so the caller
        waits for its timeout; a partition fails every call at once.
      </p>
    </section>
  );
}
