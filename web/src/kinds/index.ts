// The editor's registry of node kinds: one line per kind. Everything on the canvas, palette, inspector and minimap
// that differs by kind is read from an entry here or from the world descriptor (@dw/world kindOf: title,
// summary, facts, defaults); generic code never names a kind. Adding a kind: a folder beside this file with its
// entry, one line below (the compiler insists on it), and its descriptor in world/src/kinds.
import { type AnyKind, KIND_LIST, type ServiceKind } from '@dw/world';
import type { NodeProps, NodeTypes } from '@xyflow/react';
import type { ComponentType } from 'react';
import type { EditorNode, EditorNodeData } from '../store/flow-types';
import { clientEntry } from './client';
import { gatewayEntry } from './gateway';
import { intruderEntry } from './intruder';
import type { ConfigFieldsProps, KindEntry } from './kind-entry';
import { processEntry } from './process';
import { queueEntry } from './queue';
import { serviceEntry } from './service';
import { storeEntry } from './store';

const ENTRIES: { readonly [K in ServiceKind]: KindEntry<K> } = {
  client: clientEntry,
  service: serviceEntry,
  process: processEntry,
  gateway: gatewayEntry,
  queue: queueEntry,
  store: storeEntry,
  intruder: intruderEntry,
};

/** An entry seen from code that handles every kind alike: it is only ever given the data of its own kind. */
export interface AnyKindEntry {
  readonly kind: ServiceKind;
  readonly View: ComponentType<NodeProps<EditorNode>>;
  readonly Fields: ComponentType<ConfigFieldsProps<EditorNodeData['config']>>;
  readonly Panels?: ComponentType<{ id: string }>;
  readonly colour: string;
  readonly live: 'accepted' | 'sent';
  readonly palette?: { title?: string; summary?: string };
}

/** The editor's entry of a kind. */
export function entryOf(kind: ServiceKind): AnyKindEntry {
  return ENTRIES[kind] as unknown as AnyKindEntry;
}

/** React Flow's node types: each kind's view, under its kind's name (a module-level constant). */
export const nodeTypes: NodeTypes = Object.fromEntries(KIND_LIST.map((k) => [k.kind, ENTRIES[k.kind].View]));

export interface PaletteItem {
  kind: ServiceKind;
  title: string;
  summary: string;
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

function paletteItem(descriptor: AnyKind): PaletteItem {
  const own = ENTRIES[descriptor.kind as ServiceKind].palette;
  return {
    kind: descriptor.kind as ServiceKind,
    title: own?.title ?? descriptor.title,
    summary: own?.summary ?? sentence(descriptor.summary),
  };
}

/** The palette, in the world's kind order. */
export const PALETTE: readonly PaletteItem[] = KIND_LIST.map((k) => paletteItem(k as AnyKind));
