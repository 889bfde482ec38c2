// The selected node: its id, kind and config fields, each with its validation message.
import { MAX_REPLICAS } from '@dw/world';

import { ServiceFaultPanel } from '../faults/service-fault-panel';
import { ClientLoadFields } from '../load/client-load-fields';
import { FindLimitPanel } from '../load/find-limit-panel';
import { useEditor, useEditorActions } from '../store/editor-context';
import type { FieldMessages } from '../store/problem-index';
import { CallPolicyFields } from './call-policy-fields';
import { CertificatePanel } from './certificate-panel';
import { ClientConfigFields } from './client-config-fields';
import { NumberField, ReadOnlyField } from './fields';
import { IntruderConfigFields } from './intruder-config-fields';
import { NodeLivePanel } from './node-live-panel';
import { ServiceConfigFields } from './service-config-fields';
import { ServiceIdField } from './service-id-field';

const NO_MESSAGES: FieldMessages = {};

export function NodeInspector({ nodeId }: { nodeId: string }) {
  const data = useEditor((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const messages = useEditor((s) => s.problems.nodes[nodeId]) ?? NO_MESSAGES;
  const links = useEditor((s) => s.edges.filter((e) => e.source === nodeId || e.target === nodeId).length);
  const actions = useEditorActions();
  if (!data) return null;
  return (
    <div className="dw-inspector__body">
      <header className="dw-inspector__header">
        <span className={`dw-kind-badge dw-kind-badge--${data.kind}`}>{data.kind}</span>
        <h2 className="dw-inspector__title">{nodeId || '(no id)'}</h2>
      </header>
      <ServiceIdField id={nodeId} />
      <ReadOnlyField label="Kind">{data.kind}</ReadOnlyField>
      <p className="dw-muted dw-kind-note">
        {data.kind === 'client'
          ? 'Generates requests; cannot be called.'
          : data.kind === 'intruder'
            ? 'Attacks for real; its links are routes, never permissions. Cannot be called.'
            : 'Handles requests and calls each of its links.'}
      </p>
      {messages[''] && <p className="dw-field__message">{messages['']}</p>}
      {data.kind === 'client' ? (
        <>
          <ClientConfigFields
            config={data.config}
            messages={messages}
            onChange={(config) => actions.setNodeData(nodeId, { ...data, config })}
          />
          <ClientLoadFields
            config={data.config}
            messages={messages}
            onChange={(config) => actions.setNodeData(nodeId, { ...data, config })}
          />
        </>
      ) : data.kind === 'intruder' ? (
        <IntruderConfigFields
          config={data.config}
          messages={messages}
          onChange={(config) => actions.setNodeData(nodeId, { kind: 'intruder', config })}
        />
      ) : data.kind === 'service' ? (
        <>
          <ServiceConfigFields
            config={data.config}
            messages={messages}
            onChange={(config) => actions.setNodeData(nodeId, { ...data, config })}
          />
          <NumberField
            label="Replicas"
            value={data.replicas}
            optional
            placeholder="1"
            message={messages.replicas}
            hint={`Copies that run, 1 to ${MAX_REPLICAS}: each its own process and port with the service's identity; callers spread their calls over them. A new count starts or stops only the extra copies.`}
            onChange={(replicas) => actions.setNodeData(nodeId, { ...data, replicas })}
          />
        </>
      ) : null}
      {(data.kind === 'client' || data.kind === 'service') && (
        <CallPolicyFields
          kind={data.kind}
          restart={data.restart}
          calls={data.config.calls}
          messages={messages}
          onRestart={(restart) =>
            actions.setNodeData(nodeId, { ...data, ...(restart ? { restart } : { restart: undefined }) })
          }
          onCalls={(calls) => {
            const { calls: _, ...rest } = data.config;
            const config = calls === undefined ? rest : { ...rest, calls };
            actions.setNodeData(nodeId, { ...data, config } as typeof data);
          }}
        />
      )}
      <NodeLivePanel id={nodeId} kind={data.kind} />
      <ServiceFaultPanel serviceId={nodeId} />
      {data.kind === 'client' && <FindLimitPanel clientId={nodeId} />}
      <CertificatePanel id={nodeId} />
      <div className="dw-inspector__actions">
        <button type="button" className="dw-button dw-button--danger" onClick={() => actions.removeNode(nodeId)}>
          Delete {data.kind}
        </button>
        <span className="dw-muted">
          {links === 1 ? '1 link goes with it' : links > 1 ? `${links} links go with it` : ''}
        </span>
      </div>
    </div>
  );
}
