// The draft: the open world as React Flow nodes and edges (controlled mode), its name, settings and scenarios,
// and every edit of it. Each edit is one undo step, bumps the change counter and runs validateWorld on the whole
// draft (its problems mapped onto nodes, links and fields). Dragging only moves positions, which cannot be
// invalid, so it skips validation. The clipboard is the store's own.
import {
  defaultConfig,
  kindOf,
  type LinkPolicy,
  type Scenario,
  type ServiceKind,
  type Settings,
  validateWorld,
  type World,
  type WorldService,
} from '@dw/world';
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { renameServiceInScenarios } from '../../scenarios/scenario-edits';
import { layeredLayout } from '../auto-layout';
import { type Clip, copySelection, pasteClip } from '../clipboard';
import type { EditorState } from '../editor-store';
import type { EditorEdge, EditorNode, EditorNodeData } from '../flow-types';
import { nextLinkId, nextServiceId } from '../new-ids';
import { indexProblems, NO_PROBLEMS, type ProblemIndex } from '../problem-index';
import { toFlow, toNode, toWorld } from '../world-draft';
import type { HistoryKeeper } from './history-slice';
import type { Slice, SliceKit } from './slice-kit';

/** The draft as a World, kept for selectDraftWorld while its parts are the same objects (one per store). */
export interface DraftMemo {
  key?: unknown[];
  world?: World;
}

export interface DraftState {
  name: string;
  settings: Settings | undefined;
  /** The world's scenarios, edited in the scenario panel and saved with the world. */
  scenarios: Scenario[] | undefined;
  nodes: EditorNode[];
  edges: EditorEdge[];
  /** validateWorld on the whole draft, mapped onto nodes, links and fields. */
  problems: ProblemIndex;
  /** Every edit bumps it (unique for the store's life); dirty while it differs from the saves slice's savedSeq. */
  changeSeq: number;
  hasClip: boolean;
  /** selectDraftWorld's memo: not state anyone renders. */
  draftMemo: DraftMemo;
  /** A deletion of nodes that run now, waiting for the person to confirm it (the delete dialog). */
  pendingDelete: PendingDelete | null;
}

/** What a deletion takes away: nodes (with their links) and links; `running` the nodes of it that run now. */
export interface PendingDelete {
  nodes: string[];
  links: string[];
  running: string[];
}

export interface DraftActions {
  /** Copies the selected nodes and the links among them; false when nothing is selected. */
  copy(): boolean;
  paste(): void;
  duplicateSelection(): void;
  selectAll(): void;
  /** Lays the draft out in layers, left to right (one undo step). */
  autoLayout(): void;
  setName(name: string): void;
  setHopBudget(hopBudget: number | undefined): void;
  setLeafLifetime(minutes: number | undefined): void;
  /** Replaces the world's scenarios (an edit in the scenario panel): one undo step, saved with the world. */
  setScenarios(scenarios: Scenario[]): void;
  onNodesChange(changes: NodeChange<EditorNode>[]): void;
  onEdgesChange(changes: EdgeChange<EditorEdge>[]): void;
  connect(connection: Connection): void;
  /** A link may go from `source` to `target`: the target's kind may be called, the source may have links. */
  canConnect(connection: Pick<Connection, 'source' | 'target'>): boolean;
  /** Why a link from `source` to `target` cannot be drawn, in words for a toast; null when it can. */
  connectionRefusal(connection: Pick<Connection, 'source' | 'target'>): string | null;
  addNode(kind: ServiceKind, position: XYPosition): string;
  setNodeData(id: string, data: EditorNodeData): void;
  /** Renames a node and rewrites its links; false (and nothing changes) when the id is empty or taken. */
  renameNode(id: string, nextId: string): boolean;
  removeNode(id: string): void;
  removeLink(id: string): void;
  /**
   * A deletion as a person asks for it (the Delete key, a Delete button): true when it may go ahead now. When a
   * node of it runs, nothing is deleted yet: it waits in `pendingDelete` for confirmRemove or cancelRemove.
   */
  requestRemove(target: { nodes: string[]; links?: string[] }): boolean;
  requestRemoveNodes(ids: string[]): void;
  /** Deletes what `pendingDelete` holds (one undo step). */
  confirmRemove(): void;
  cancelRemove(): void;
  /** Sets a link's weight (its share in "weighted" call mode); undefined removes it. */
  setLinkWeight(id: string, weight: number | undefined): void;
  /** "deny": the caller still calls over the link, the callee refuses it (403). */
  setLinkPolicy(id: string, policy: LinkPolicy): void;
  select(target: { nodeId: string } | { linkId: string } | null): void;
}

const PASTE_OFFSET = 40;

/** validateWorld's problems, indexed; the previous object when nothing changed (so subscribers do not re-render). */
export function revalidate(world: World, previous: ProblemIndex): ProblemIndex {
  const result = validateWorld(world);
  const next = result.ok ? NO_PROBLEMS : indexProblems(result.problems, world);
  return JSON.stringify(next) === JSON.stringify(previous) ? previous : next;
}

type DraftParts = Omit<DraftState, 'hasClip' | 'draftMemo'>;

/** The nodes among `ids` that run now: the world is deployed and the live view knows a process of theirs. */
export function runningNodes(state: EditorState, services: Record<string, { state: string }>, ids: string[]): string[] {
  if (state.deployedRev === null || state.replay !== null) return [];
  return ids.filter((id) => {
    const live = services[id];
    return live !== undefined && live.state !== 'stopped';
  });
}

/** The draft of a world just opened: clean (change counter 0), validated. */
export function draftOf(world: World): DraftParts {
  const { nodes, edges } = toFlow(world);
  return {
    name: world.name,
    settings: world.settings,
    scenarios: world.scenarios,
    nodes,
    edges,
    problems: revalidate(world, NO_PROBLEMS),
    changeSeq: 0,
    pendingDelete: null,
  };
}

/** No world open. */
export const emptyDraft = (): DraftParts => ({
  name: '',
  settings: undefined,
  scenarios: undefined,
  nodes: [],
  edges: [],
  problems: NO_PROBLEMS,
  changeSeq: 0,
  pendingDelete: null,
});

/** The draft as a World, remembered per (name, settings, nodes, edges, scenarios) so selectors can call it freely. */
export function selectDraftWorld(state: EditorState): World {
  const key = [state.name, state.settings, state.nodes, state.edges, state.scenarios];
  const memo = state.draftMemo;
  if (memo.world && memo.key?.every((part, i) => part === key[i])) return memo.world;
  const world = toWorld(state);
  memo.key = key;
  memo.world = world;
  return world;
}

const deselected = <T extends { selected?: boolean }>(items: T[]): T[] =>
  items.map((item) => (item.selected ? { ...item, selected: false } : item));

/** The fields an edit of a node's data changed ("config/latencyMs", "restart"): what names the field typed into. */
function changedFields(before: object | undefined, after: object): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    const inner = [a[key], b[key]].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (key === 'config' && inner)
      changed.push(...changedFields(a[key] as object, b[key] as object).map((k) => `config/${k}`));
    else changed.push(key);
  }
  return changed.sort();
}

export function draftSlice({ set, get, traffic }: SliceKit, history: HistoryKeeper): Slice<DraftState, DraftActions> {
  /** Change counters are unique for the store's life, so a state restored by undo keeps its own. */
  let seqCounter = 0;
  let clip: Clip | null = null;
  let pastes = 0;
  /** React Flow deletes a node in two calls in one tick (its links, then the node): one undo step. */
  let removingLinks = false;
  let dragging = false;

  /** The field the last edit typed into (see `edit`); null after any other edit. */
  let typing: string | null = null;

  /**
   * Applies an edit to the draft: one undo step, a new change counter, and validation. `step` false joins the
   * previous step; a string names the field being typed into, and keystrokes in the same field, one after
   * another, are one step ("120" in a latency field undoes at once, not one digit at a time).
   */
  function edit(
    patch: Partial<Pick<DraftState, 'name' | 'settings' | 'nodes' | 'edges' | 'scenarios'>>,
    step: boolean | string = true,
  ) {
    const sameField = typeof step === 'string' && step === typing;
    if (step !== false && !sameField) history.remember();
    typing = typeof step === 'string' ? step : null;
    const state = get();
    const problems = revalidate(toWorld({ ...state, ...patch }), state.problems);
    set({ ...patch, problems, changeSeq: ++seqCounter });
  }

  const actions: DraftActions = {
    copy() {
      const copied = copySelection(get().nodes, get().edges);
      if (!copied) return false;
      clip = copied;
      pastes = 0;
      set({ hasClip: true });
      return true;
    },

    paste() {
      if (!clip || get().worldId === null) return;
      pastes += 1;
      const { nodes, edges } = get();
      const added = pasteClip(clip, { nodes, edges }, { x: PASTE_OFFSET * pastes, y: PASTE_OFFSET * pastes });
      edit({ nodes: [...deselected(nodes), ...added.nodes], edges: [...deselected(edges), ...added.edges] });
    },

    duplicateSelection() {
      const saved = clip;
      const savedPastes = pastes;
      if (!actions.copy()) return;
      actions.paste();
      clip = saved ?? clip;
      pastes = saved ? savedPastes : pastes;
      set({ hasClip: clip !== null });
    },

    selectAll() {
      const { nodes, edges } = get();
      set({
        nodes: nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
        edges: edges.map((e) => (e.selected ? e : { ...e, selected: true })),
      });
    },

    autoLayout() {
      const { nodes, edges } = get();
      if (nodes.length === 0) return;
      const positions = layeredLayout({
        nodes: nodes.map((n) => ({
          id: n.id,
          kind: n.data.kind,
          width: n.measured?.width,
          height: n.measured?.height,
        })),
        links: edges.map((e) => ({ from: e.source, to: e.target })),
      });
      edit({ nodes: nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })) });
    },

    setName(name) {
      edit({ name }, 'world:name');
    },

    setHopBudget(hopBudget) {
      const { hopBudget: _, ...rest } = get().settings ?? {};
      edit({ settings: hopBudget === undefined ? rest : { ...rest, hopBudget } }, 'world:hopBudget');
    },

    setLeafLifetime(leafLifetimeMinutes) {
      const { leafLifetimeMinutes: _, ...rest } = get().settings ?? {};
      edit(
        { settings: leafLifetimeMinutes === undefined ? rest : { ...rest, leafLifetimeMinutes } },
        'world:leafLifetime',
      );
    },

    setScenarios(scenarios) {
      edit({ scenarios });
    },

    onNodesChange(changes) {
      const nodes = applyNodeChanges(changes, get().nodes);
      const structural = changes.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace');
      const positions = changes.filter((c) => c.type === 'position');
      const moved = positions.some((c) => c.position !== undefined);
      // A drag is one undo step, remembered when it starts; each keyboard nudge is one.
      if (moved && !dragging) history.remember();
      if (positions.length > 0) dragging = positions.some((c) => c.dragging === true);
      // The node removal that follows its links' removal in the same tick belongs to the same step.
      if (structural) edit({ nodes }, !(removingLinks && changes.every((c) => c.type === 'remove')));
      // Positions cannot make a world invalid: skip validation while dragging.
      else if (moved) set({ nodes, changeSeq: ++seqCounter });
      else set({ nodes });
    },

    onEdgesChange(changes) {
      const edges = applyEdgeChanges(changes, get().edges);
      if (changes.length > 0 && changes.every((c) => c.type === 'remove')) {
        removingLinks = true;
        queueMicrotask(() => {
          removingLinks = false;
        });
      }
      if (changes.some((c) => c.type !== 'select')) edit({ edges });
      else set({ edges });
    },

    canConnect(connection) {
      return actions.connectionRefusal(connection) === null;
    },

    connectionRefusal({ source, target }) {
      if (!source || !target) return 'a link needs a node at each end';
      if (source === target) {
        return `${source} cannot call itself: a link joins two different nodes (drag from its right edge to another node)`;
      }
      const { nodes, edges } = get();
      const to = nodes.find((n) => n.id === target)?.data;
      const from = nodes.find((n) => n.id === source)?.data;
      if (!to || !from) return 'a link needs a node at each end';
      const callable = kindOf(to.kind).facts.callable;
      if (callable !== true) return `${source} cannot call ${target}: ${callable.why}`;
      const noLinks = kindOf(from.kind).noLinksFrom?.(from.config);
      if (noLinks) return `${source} cannot call ${target}: ${noLinks}`;
      if (edges.some((e) => e.source === source && e.target === target)) {
        return `${source} already calls ${target}: one link says it (select it to change its weight or policy)`;
      }
      return null;
    },

    connect(connection) {
      if (!actions.canConnect(connection)) return;
      const { edges } = get();
      const id = nextLinkId(edges.map((e) => e.id));
      const edge: EditorEdge = { id, type: 'link', source: connection.source, target: connection.target, data: {} };
      edit({ edges: [...edges, edge] });
    },

    addNode(kind, position) {
      const { nodes, edges } = get();
      const id = nextServiceId(
        kind,
        nodes.map((n) => n.id),
      );
      const at = { x: Math.round(position.x), y: Math.round(position.y) };
      const node: EditorNode = toNode({ id, kind, position: at, config: defaultConfig(kind) } as WorldService);
      node.selected = true;
      edit({ nodes: [...deselected(nodes), node], edges: deselected(edges) });
      return id;
    },

    setNodeData(id, data) {
      const before = get().nodes.find((n) => n.id === id)?.data;
      edit(
        {
          nodes: get().nodes.map((n): EditorNode => {
            if (n.id !== id || n.data.kind !== data.kind) return n;
            // What the node was imported from stays; fields set to undefined are dropped (absent means default).
            const display = 'display' in n.data && n.data.display ? { display: n.data.display } : {};
            const next = Object.fromEntries(Object.entries({ ...data, ...display }).filter(([, v]) => v !== undefined));
            return { ...n, type: data.kind, data: next } as EditorNode;
          }),
        },
        `node:${id}:${changedFields(before, data).join(',')}`,
      );
    },

    setLinkWeight(id, weight) {
      edit(
        {
          edges: get().edges.map((e): EditorEdge => {
            if (e.id !== id) return e;
            const { weight: _, ...data } = e.data ?? {};
            return { ...e, data: weight === undefined ? data : { ...data, weight } };
          }),
        },
        `link:${id}:weight`,
      );
    },

    renameNode(id, nextId) {
      if (id === nextId) return true;
      const { nodes, edges, scenarios } = get();
      if (!nextId || nodes.some((n) => n.id === nextId)) return false;
      edit({
        ...(scenarios ? { scenarios: renameServiceInScenarios(scenarios, id, nextId) } : {}),
        nodes: nodes.map((n) => (n.id === id ? { ...n, id: nextId } : n)),
        edges: edges.map((e) =>
          e.source === id || e.target === id
            ? { ...e, source: e.source === id ? nextId : e.source, target: e.target === id ? nextId : e.target }
            : e,
        ),
      });
      return true;
    },

    removeNode(id) {
      const { nodes, edges } = get();
      edit({
        nodes: nodes.filter((n) => n.id !== id),
        edges: edges.filter((e) => e.source !== id && e.target !== id),
      });
    },

    removeLink(id) {
      edit({ edges: get().edges.filter((e) => e.id !== id) });
    },

    requestRemove({ nodes, links = [] }) {
      const running = runningNodes(get(), traffic.getState().services, nodes);
      if (running.length === 0) return true;
      set({ pendingDelete: { nodes, links, running } });
      return false;
    },

    requestRemoveNodes(ids) {
      if (!actions.requestRemove({ nodes: ids })) return;
      const gone = new Set(ids);
      const { nodes, edges } = get();
      edit({
        nodes: nodes.filter((n) => !gone.has(n.id)),
        edges: edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
      });
    },

    confirmRemove() {
      const pending = get().pendingDelete;
      if (!pending) return;
      const nodeIds = new Set(pending.nodes);
      const linkIds = new Set(pending.links);
      const { nodes, edges } = get();
      set({ pendingDelete: null });
      edit({
        nodes: nodes.filter((n) => !nodeIds.has(n.id)),
        edges: edges.filter((e) => !linkIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target)),
      });
    },

    cancelRemove() {
      set({ pendingDelete: null });
    },

    setLinkPolicy(id, policy) {
      edit({
        edges: get().edges.map((e) => {
          if (e.id !== id) return e;
          if (policy !== 'allow') return { ...e, data: { ...e.data, policy } };
          return { ...e, data: e.data?.weight === undefined ? {} : { weight: e.data.weight } };
        }),
      });
    },

    select(target) {
      const nodeId = target && 'nodeId' in target ? target.nodeId : null;
      const linkId = target && 'linkId' in target ? target.linkId : null;
      const { nodes, edges } = get();
      set({
        nodes: nodes.map((n) => ((n.id === nodeId) === !!n.selected ? n : { ...n, selected: n.id === nodeId })),
        edges: edges.map((e) => ((e.id === linkId) === !!e.selected ? e : { ...e, selected: e.id === linkId })),
      });
    },
  };

  return { state: { ...emptyDraft(), hasClip: false, draftMemo: {} }, actions };
}
