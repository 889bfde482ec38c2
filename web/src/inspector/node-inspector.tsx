// The selected node: its id and kind, its kind's own config fields (from the kind registry), the fields its kind's
// facts allow (replicas, restart and call policy), its kind's own panels (a gateway's try it), its live numbers,
// its process. While it runs, what it is doing comes first (live, its own panels, its process) and its settings
// follow under their own title; while nothing runs, the settings are all there is.
import {
  type AnyKind,
  type ClientCallPolicy,
  kindOf,
  MAX_REPLICAS,
  type RestartPolicy,
  type ServiceCallPolicy,
} from '@dw/world';
import { ServiceFaultPanel } from '../faults/service-fault-panel';
import { entryOf } from '../kinds';
import { FindLimitPanel } from '../load/find-limit-panel';
import { useEditor, useEditorActions, useTraffic } from '../store/editor-context';
import type { EditorNodeData } from '../store/flow-types';
import type { FieldMessages } from '../store/problem-index';
import { CallPolicyFields, callPolicyShape } from './call-policy-fields';
import { CertificatePanel } from './certificate-panel';
import { NumberField, ReadOnlyField } from './fields';
import { NodeLivePanel } from './node-live-panel';
import { ServiceIdField } from './service-id-field';

const NO_MESSAGES: FieldMessages = {};

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/** What a kind is, for people: its summary, and what its facts forbid. */
export function kindNote(descriptor: AnyKind): string {
  const parts = [sentence(descriptor.summary)];
  if (!descriptor.facts.linksGrant) parts.push('Its links are routes, never permissions.');
  if (descriptor.facts.callable !== true) parts.push('Cannot be called.');
  return parts.join(' ');
}

/** The fields every kind may or may not have, read generically (the facts say which it has). */
interface CommonFields {
  replicas?: number;
  restart?: RestartPolicy;
  config: { calls?: ServiceCallPolicy | ClientCallPolicy };
}

export function NodeInspector({ nodeId }: { nodeId: string }) {
  const data = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const messages = useEditor((s) => s.problems.nodes[nodeId]) ?? NO_MESSAGES;
  const links = useEditor((s) => s.edges.filter((e) => e.source === nodeId || e.target === nodeId).length);
  const actions = useEditorActions();
  const deployed = useEditor((s) => s.deployedRev !== null && s.replay === null);
  const alive = useTraffic((s) => {
    const live = s.services[nodeId];
    return live !== undefined && live.state !== 'stopped';
  });
  if (!data) return null;
  const running = deployed && alive;
  const descriptor = kindOf(data.kind);
  const entry = entryOf(data.kind);
  const { Fields, Panels } = entry;
  const common = data as EditorNodeData & CommonFields;
  const shape = callPolicyShape(descriptor);
  const update = (patch: Partial<CommonFields> | { config: EditorNodeData['config'] }) =>
    actions.setNodeData(nodeId, { ...data, ...patch } as EditorNodeData);
  const settings = (
    <>
      <ServiceIdField id={nodeId} />
      <ReadOnlyField label="Kind">{data.kind}</ReadOnlyField>
      <p className="dw-muted dw-kind-note">{kindNote(descriptor)}</p>
      {messages[''] && <p className="dw-field__message">{messages['']}</p>}
      <Fields id={nodeId} config={data.config} messages={messages} onChange={(config) => update({ config })} />
      {descriptor.facts.replicas === true && (
        <NumberField
          label="Replicas"
          value={common.replicas}
          optional
          placeholder="1"
          message={messages.replicas}
          hint={`Copies that run, 1 to ${MAX_REPLICAS}: each its own process and port with the same identity; callers spread their calls over them. A new count starts or stops only the extra copies.`}
          onChange={(replicas) => update({ replicas })}
        />
      )}
      {(shape.restart || shape.calls) && (
        <CallPolicyFields
          shape={shape}
          restart={common.restart}
          calls={common.config.calls as ServiceCallPolicy | undefined}
          messages={messages}
          onRestart={(restart) => update({ restart })}
          onCalls={(calls) => {
            const { calls: _, ...rest } = common.config;
            update({ config: (calls === undefined ? rest : { ...rest, calls }) as EditorNodeData['config'] });
          }}
        />
      )}
    </>
  );
  const live = (
    <>
      <NodeLivePanel id={nodeId} measure={entry.live} />
      {Panels && <Panels key={nodeId} id={nodeId} />}
      <ServiceFaultPanel serviceId={nodeId} />
      {descriptor.facts.loadControl && <FindLimitPanel clientId={nodeId} />}
    </>
  );
  return (
    <div className="dw-inspector__body" data-running={running}>
      <header className="dw-inspector__header">
        <span className={`dw-kind-badge dw-kind--${data.kind}`}>{data.kind}</span>
        <h2 className="dw-inspector__title">{nodeId || '(no id)'}</h2>
      </header>
      {/* the settings keep their place in the tree either way, so a field being typed in keeps its focus */}
      {running ? live : null}
      <section
        className={running ? 'dw-inspector__section' : 'dw-inspector__settings'}
        aria-label="Settings"
        data-testid="node-settings"
      >
        {running && <h3 className="dw-section-title">Settings</h3>}
        {settings}
      </section>
      {running ? null : live}
      <CertificatePanel id={nodeId} />
      <div className="dw-inspector__actions">
        <button
          type="button"
          className="dw-button dw-button--danger"
          onClick={() => actions.requestRemoveNodes([nodeId])}
        >
          Delete {data.kind}
        </button>
        <span className="dw-muted">
          {links === 1 ? '1 link goes with it' : links > 1 ? `${links} links go with it` : ''}
        </span>
      </div>
    </div>
  );
}
