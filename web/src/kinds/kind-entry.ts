// What the editor needs of a node kind besides its world descriptor (@dw/world's kindOf: title, summary, facts,
// defaults, schemas): the body React Flow renders, its inspector fields, its colour, and what its live line
// counts. One entry per kind, in web/src/kinds/<kind>/index.ts, listed once in ./index.ts.
import type { ConfigOf, ServiceKind } from '@dw/world';
import type { NodeProps } from '@xyflow/react';
import type { ComponentType } from 'react';
import type { FlowNodeOf } from '../store/flow-types';
import type { FieldMessages } from '../store/problem-index';

/** The inspector fields of a kind's config: each edit hands back the whole new config. */
export interface ConfigFieldsProps<C> {
  /** The node's id. */
  id: string;
  config: C;
  /** Validation messages by field path under the node ("config/rps"). */
  messages: FieldMessages;
  onChange(config: C): void;
}

export interface KindEntry<K extends ServiceKind> {
  readonly kind: K;
  /** The node's body on the canvas (React.memo, frame from canvas/node-frame.tsx): React Flow's nodeTypes[kind]. */
  readonly View: ComponentType<NodeProps<FlowNodeOf<K>>>;
  /** Its own config fields in the inspector (the generic ones, replicas, restart and call policy, come from facts). */
  readonly Fields: ComponentType<ConfigFieldsProps<ConfigOf<K>>>;
  /** More inspector sections of its own, after the live ones (a gateway's "try it"). */
  readonly Panels?: ComponentType<{ id: string }>;
  /** A CSS colour for the minimap: the custom property its .css defines (`var(--dw-client)`). */
  readonly colour: string;
  /** What the number on its node counts while it runs: requests it accepted, or calls it sent over its links. */
  readonly live: 'accepted' | 'sent';
  /** The palette's words; by default the world descriptor's title and summary. */
  readonly palette?: { title?: string; summary?: string };
}

/** Keeps an entry's exact kind while checking it against the interface. */
export function defineEntry<K extends ServiceKind>(entry: KindEntry<K>): KindEntry<K> {
  return entry;
}
