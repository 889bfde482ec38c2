// The editor's one store: the draft world as React Flow nodes and edges, what is saved and deployed, and every
// action that changes them. Components select narrowly; live traffic lives in the separate traffic store.
import {
  type DeployPreview,
  defaultConfig,
  type LinkPolicy,
  type Scenario,
  type ServiceKind,
  type Settings,
  validateWorld,
  type World,
  type WorldRecord,
  type WorldService,
  type WorldSummary,
} from '@dw/world';
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, type HttpClient } from '../api/http-client';
import type { TrafficStore } from '../live/traffic-store';
import { renameServiceInScenarios } from '../scenarios/scenario-edits';
import { layeredLayout } from './auto-layout';
import { type Clip, copySelection, pasteClip } from './clipboard';
import type { EditorEdge, EditorNode, EditorNodeData } from './flow-types';
import { nextLinkId, nextServiceId } from './new-ids';
import { indexProblems, NO_PROBLEMS, type ProblemIndex } from './problem-index';
import { errorToast, type Toast, type ToastInput } from './toasts';
import { toFlow, toNode, toWorld } from './world-draft';
import { readWorldIdFromUrl, writeWorldIdToUrl } from './world-url';

export type Busy = 'loading' | 'creating' | 'saving' | 'planning' | 'deploying' | 'stopping' | 'deleting' | null;

/** One undo step: the draft as it was, and the change counter it had (so undoing back to a save is clean). */
interface Snapshot {
  name: string;
  settings: Settings | undefined;
  scenarios: Scenario[] | undefined;
  nodes: EditorNode[];
  edges: EditorEdge[];
  seq: number;
}

const HISTORY_LIMIT = 100;
const PASTE_OFFSET = 40;

export interface EditorActions {
  /** Opens the world in the URL, else the most recently updated one. */
  boot(): Promise<void>;
  refreshWorlds(): Promise<void>;
  openWorld(id: string): Promise<void>;
  /** Saves a compose file as a new world and opens it; what could not be represented shows as a toast. */
  importCompose(text: string, fileName: string): Promise<void>;
  /** Saves pending edits, then answers where the world downloads as compose.yaml (null when it cannot). */
  exportCompose(): Promise<string | null>;
  /** Creates a world (an empty one, or `world`, e.g. a template or an import) and opens it. */
  createWorld(world?: World): Promise<void>;
  /** Creates a copy of the draft as a new world and opens it. */
  duplicateWorld(): Promise<void>;
  /** Deletes the open world (after the person confirmed) and opens the next one. */
  deleteWorld(): Promise<void>;
  /** Opens an imported world file as a new world; laid out automatically when its boxes overlap. */
  importWorld(world: World): Promise<void>;

  undo(): void;
  redo(): void;
  /** Copies the selected nodes and the links among them; false when nothing is selected. */
  copy(): boolean;
  paste(): void;
  duplicateSelection(): void;
  selectAll(): void;
  /** Lays the draft out in layers, left to right (one undo step). */
  autoLayout(): void;
  /** Deploy as a person asks for it: a first deploy runs at once; a redeploy first shows its plan. */
  requestDeploy(): Promise<void>;
  applyPlan(): Promise<void>;
  cancelPlan(): void;
  /** Throws the draft away and loads what the server has. */
  reload(): Promise<void>;

  setName(name: string): void;
  setHopBudget(hopBudget: number | undefined): void;
  setLeafLifetime(minutes: number | undefined): void;
  /** Replaces the world's scenarios (an edit in the scenario panel): one undo step, saved with the world. */
  setScenarios(scenarios: Scenario[]): void;
  onNodesChange(changes: NodeChange<EditorNode>[]): void;
  onEdgesChange(changes: EditorEdgeChange[]): void;
  connect(connection: Connection): void;
  canConnect(connection: Pick<Connection, 'source' | 'target'>): boolean;
  addNode(kind: ServiceKind, position: XYPosition): string;
  setNodeData(id: string, data: EditorNodeData): void;
  /** Renames a node and rewrites its links; false (and nothing changes) when the id is empty or taken. */
  renameNode(id: string, nextId: string): boolean;
  removeNode(id: string): void;
  removeLink(id: string): void;
  /** Sets a link's weight (its share in "weighted" call mode); undefined removes it. */
  setLinkWeight(id: string, weight: number | undefined): void;
  /** "deny": the caller still calls over the link, the callee refuses it (403). */
  setLinkPolicy(id: string, policy: LinkPolicy): void;
  select(target: { nodeId: string } | { linkId: string } | null): void;

  save(): Promise<boolean>;
  deploy(): Promise<void>;
  stop(): Promise<void>;
  /** The live connection saw a deployment (possibly started elsewhere) or its end. */
  observeDeployedRev(rev: number | null): void;

  pushToast(toast: ToastInput): void;
  dismissToast(id: number): void;
}

type EditorEdgeChange = EdgeChange<EditorEdge>;

export interface EditorState {
  worlds: WorldSummary[];
  /** Set when this controller only observes a world running in compose: nothing can be saved or deployed. */
  observing: string | null;
  /** The open world; null before the first one loads. */
  worldId: string | null;
  /** The revision the draft is based on (sent with PUT; a stale one gets 409). */
  baseRev: number | null;
  name: string;
  settings: Settings | undefined;
  /** The world's scenarios, edited in the scenario panel and saved with the world. */
  scenarios: Scenario[] | undefined;
  nodes: EditorNode[];
  edges: EditorEdge[];
  /** validateWorld on the whole draft, mapped onto nodes, links and fields. */
  problems: ProblemIndex;
  /** Dirty while these differ: every edit bumps changeSeq, a save records the seq it saved. */
  changeSeq: number;
  savedSeq: number;
  /** Bumps whenever a world is (re)loaded, so the canvas can fit it into view. */
  loadSeq: number;
  deployedRev: number | null;
  /** Frames arriving before this time (performance.now()) are from a deployment just stopped. */
  ignoreFramesUntil: number;
  busy: Busy;
  /** Undo and redo stacks (newest last). */
  past: Snapshot[];
  future: Snapshot[];
  hasClip: boolean;
  /** The plan of a redeploy, shown before it is applied. */
  planPreview: DeployPreview | null;
  bootError: string | null;
  toasts: Toast[];
  actions: EditorActions;
}

export type EditorStore = StoreApi<EditorState>;

export interface EditorStoreDeps {
  http: HttpClient;
  traffic: TrafficStore;
}

/** The draft as a World, remembered per (name, settings, nodes, edges) so selectors can call it freely. */
let draftCache: { key: unknown[]; world: World } | null = null;
export function selectDraftWorld(state: EditorState): World {
  const key = [state.name, state.settings, state.nodes, state.edges, state.scenarios];
  if (draftCache?.key.every((part, i) => part === key[i])) return draftCache.world;
  const world = toWorld(state);
  draftCache = { key, world };
  return world;
}

export const selectDirty = (state: EditorState) => state.changeSeq !== state.savedSeq;

function revalidate(world: World, previous: ProblemIndex): ProblemIndex {
  const result = validateWorld(world);
  const next = result.ok ? NO_PROBLEMS : indexProblems(result.problems, world);
  // Keep the old object when nothing changed, so nodes subscribed to it do not re-render.
  return JSON.stringify(next) === JSON.stringify(previous) ? previous : next;
}

let toastSeq = 0;

/** Boxes closer than this on both axes overlap: an imported world like that is laid out automatically. */
const OVERLAP_PX = 40;
function overlapping(world: World): boolean {
  return world.services.some((a, i) =>
    world.services
      .slice(i + 1)
      .some(
        (b) => Math.abs(a.position.x - b.position.x) < OVERLAP_PX && Math.abs(a.position.y - b.position.y) < OVERLAP_PX,
      ),
  );
}

export function createEditorStore({ http, traffic }: EditorStoreDeps): EditorStore {
  /** Change counters are unique for the store's life, so a state restored by undo keeps its own. */
  let seqCounter = 0;
  let clip: Clip | null = null;
  let pastes = 0;
  /**
   * The save in flight: saves go one at a time. Two at once (autosave firing while Apply plan saves before
   * deploying) both carried the same base revision, and the second was refused as a stale one (409).
   */
  let saveInFlight: Promise<boolean> | null = null;

  /** React Flow deletes a node in two calls in one tick (its links, then the node): one undo step. */
  let removingLinks = false;
  let dragging = false;
  const store = createStore<EditorState>()((set, get) => {
    function snapshot(state: EditorState): Snapshot {
      const unselect = <T extends { selected?: boolean }>(item: T): T =>
        item.selected ? { ...item, selected: false } : item;
      return {
        name: state.name,
        settings: state.settings,
        scenarios: state.scenarios,
        nodes: state.nodes.map(unselect),
        edges: state.edges.map(unselect),
        seq: state.changeSeq,
      };
    }

    function remember(): void {
      const state = get();
      set({ past: [...state.past.slice(-(HISTORY_LIMIT - 1)), snapshot(state)], future: [] });
    }

    /** Applies an edit to the draft: one undo step, a new change counter, and validation. */
    function edit(
      patch: Partial<Pick<EditorState, 'name' | 'settings' | 'nodes' | 'edges' | 'scenarios'>>,
      newStep = true,
    ): void {
      if (newStep) remember();
      const state = get();
      const next = { ...state, ...patch };
      const problems = revalidate(toWorld(next), state.problems);
      set({ ...patch, problems, changeSeq: ++seqCounter });
    }

    function restore(to: Snapshot): void {
      const state = get();
      const problems = revalidate(toWorld(to), state.problems);
      set({
        name: to.name,
        settings: to.settings,
        scenarios: to.scenarios,
        nodes: to.nodes,
        edges: to.edges,
        changeSeq: to.seq,
        problems,
      });
    }

    function load(record: WorldRecord, deployedRev: number | null): void {
      const { nodes, edges } = toFlow(record.world);
      const state = get();
      set({
        worldId: record.id,
        baseRev: record.rev,
        name: record.world.name,
        settings: record.world.settings,
        scenarios: record.world.scenarios,
        nodes,
        edges,
        problems: revalidate(record.world, NO_PROBLEMS),
        changeSeq: 0,
        savedSeq: 0,
        loadSeq: state.loadSeq + 1,
        deployedRev,
        past: [],
        future: [],
        planPreview: null,
      });
      writeWorldIdToUrl(record.id);
    }

    function toast(input: ToastInput): void {
      get().actions.pushToast(input);
    }

    function upsertSummary(record: WorldRecord): void {
      const summary: WorldSummary = { id: record.id, name: record.world.name, updatedAt: new Date().toISOString() };
      set({ worlds: [summary, ...get().worlds.filter((w) => w.id !== record.id)] });
    }

    /** Before another world opens: a valid draft is saved, an invalid one is only dropped if the person agrees. */
    async function leaveCurrent(): Promise<boolean> {
      const state = get();
      if (!selectDirty(state)) return true;
      if (state.problems.list.length === 0) return actions.save();
      return window.confirm(
        `"${state.name}" has unsaved changes that cannot be saved (${plural(state.problems.list.length, 'problem')}). Discard them?`,
      );
    }

    /** One save of the draft with its base revision (save() makes sure only one runs at a time). */
    async function saveNow(): Promise<boolean> {
      const state = get();
      if (!state.worldId || state.baseRev === null) return false;
      if (state.problems.list.length > 0) {
        toast({
          tone: 'error',
          title: 'Not saved',
          message: `Fix ${plural(state.problems.list.length, 'problem')} first.`,
          ttlMs: 5000,
        });
        return false;
      }
      const seq = state.changeSeq;
      const worldId = state.worldId;
      set({ busy: 'saving' });
      try {
        const record = await http.saveWorld(worldId, { rev: state.baseRev, world: selectDraftWorld(state) });
        if (get().worldId !== worldId) return false;
        set({ baseRev: record.rev, savedSeq: seq, busy: null });
        upsertSummary(record);
        return true;
      } catch (error) {
        set({ busy: null });
        if (error instanceof ApiError && error.status === 409) {
          toast({
            tone: 'error',
            title: 'Someone else changed this world',
            message: `${error.message}\nReload to get their version; your unsaved changes here will be lost.`,
            action: { label: 'Reload', run: () => void actions.reload() },
          });
        } else {
          toast(errorToast('Could not save', error));
        }
        return false;
      }
    }

    const actions: EditorActions = {
      async boot() {
        if (get().busy === 'loading') return;
        set({ busy: 'loading', bootError: null });
        try {
          const [worlds, health] = await Promise.all([
            http.listWorlds(),
            http.health().catch(() => ({ ok: true as const, observing: undefined })),
          ]);
          set({ worlds, observing: health.observing ?? null });
          const wanted = readWorldIdFromUrl();
          const id = wanted ?? worlds[0]?.id;
          set({ busy: null });
          if (id) await actions.openWorld(id);
        } catch (error) {
          set({ busy: null, bootError: error instanceof Error ? error.message : String(error) });
        }
      },

      async refreshWorlds() {
        try {
          set({ worlds: await http.listWorlds() });
        } catch (error) {
          toast(errorToast('Could not list worlds', error));
        }
      },

      async openWorld(id) {
        if (get().worldId !== null && id !== get().worldId && !(await leaveCurrent())) return;
        set({ busy: 'loading' });
        try {
          const [record, status] = await Promise.all([
            http.getWorld(id),
            http.deployStatus(id).catch(() => ({ rev: null, services: [] })),
          ]);
          traffic.getState().actions.reset(record.id);
          traffic.getState().actions.ingestDeployStatus(status);
          load(record, status.rev);
        } catch (error) {
          toast(errorToast(`Could not open world "${id}"`, error));
          // A stale link in the URL: fall back to the newest world rather than an empty page.
          const fallback = get().worlds.find((w) => w.id !== id);
          if (get().worldId === null && fallback && error instanceof ApiError && error.status === 404) {
            set({ busy: null });
            await actions.openWorld(fallback.id);
            return;
          }
        } finally {
          set({ busy: null });
        }
      },

      async createWorld(world) {
        if (!(await leaveCurrent())) return;
        set({ busy: 'creating' });
        try {
          const record = await http.createWorld(world ?? { version: 1, name: 'untitled', services: [], links: [] });
          traffic.getState().actions.reset(record.id);
          load(record, null);
          upsertSummary(record);
          set({ busy: null });
          void actions.refreshWorlds();
        } catch (error) {
          set({ busy: null });
          toast(errorToast('Could not create a world', error));
        }
      },

      async importCompose(text, fileName) {
        if (!(await leaveCurrent())) return;
        set({ busy: 'creating' });
        try {
          // "shop.yaml" names the world "shop"; the usual compose.yaml / docker-compose.yml names nothing.
          const base = fileName.replace(/\.(ya?ml)$/i, '');
          const name = /^(docker-)?compose([.-].*)?$/i.test(base) ? undefined : base;
          const { id, rev, world, warnings } = await http.importCompose(text, name);
          const record = { id, rev, world };
          traffic.getState().actions.reset(id);
          load(record, null);
          upsertSummary(record);
          set({ busy: null });
          void actions.refreshWorlds();
          const shown = warnings.slice(0, 5).map((w) => `${w.pointer}: ${w.message}`);
          if (warnings.length > 5) shown.push(`…and ${warnings.length - 5} more`);
          toast({
            tone: warnings.length > 0 ? 'info' : 'success',
            title: `Imported ${fileName}: ${plural(world.services.length, 'service')}, ${plural(world.links.length, 'link')}`,
            message: shown.length > 0 ? shown.join('\n') : undefined,
            ttlMs: warnings.length > 0 ? 20_000 : 5000,
          });
        } catch (error) {
          set({ busy: null });
          toast(errorToast(`Could not import ${fileName}`, error));
        }
      },

      async exportCompose() {
        const state = get();
        if (!state.worldId) return null;
        if (selectDirty(state) && !(await actions.save())) return null;
        return http.composeUrl(state.worldId);
      },

      async duplicateWorld() {
        const state = get();
        if (state.worldId === null) return;
        const world = selectDraftWorld(state);
        await actions.createWorld({ ...world, name: `${world.name} copy`.slice(0, 100) });
      },

      async deleteWorld() {
        const { worldId, name } = get();
        if (worldId === null) return;
        set({ busy: 'deleting' });
        try {
          await http.deleteWorld(worldId);
          const rest = get().worlds.filter((w) => w.id !== worldId);
          traffic.getState().actions.reset(null);
          set({
            worlds: rest,
            worldId: null,
            baseRev: null,
            name: '',
            settings: undefined,
            scenarios: undefined,
            nodes: [],
            edges: [],
            problems: NO_PROBLEMS,
            changeSeq: 0,
            savedSeq: 0,
            deployedRev: null,
            past: [],
            future: [],
            planPreview: null,
            busy: null,
          });
          toast({ tone: 'info', title: `Deleted "${name}"`, ttlMs: 4000 });
          writeWorldIdToUrl(null);
          const next = rest[0];
          if (next) await actions.openWorld(next.id);
        } catch (error) {
          set({ busy: null });
          toast(errorToast('Could not delete the world', error));
        }
      },

      async importWorld(world) {
        if (!overlapping(world)) return actions.createWorld(world);
        const positions = layeredLayout({
          nodes: world.services,
          links: world.links,
        });
        await actions.createWorld({
          ...world,
          services: world.services.map((s) => ({ ...s, position: positions.get(s.id) ?? s.position })),
        });
      },

      undo() {
        const { past, future } = get();
        const to = past.at(-1);
        if (!to) return;
        set({ past: past.slice(0, -1), future: [...future, snapshot(get())] });
        restore(to);
      },

      redo() {
        const { past, future } = get();
        const to = future.at(-1);
        if (!to) return;
        set({ future: future.slice(0, -1), past: [...past, snapshot(get())] });
        restore(to);
      },

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
        edit({
          nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added.nodes],
          edges: [...edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...added.edges],
        });
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
          nodes: nodes.map((n) => ({ id: n.id, kind: n.data.kind })),
          links: edges.map((e) => ({ from: e.source, to: e.target })),
        });
        edit({ nodes: nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })) });
      },

      async requestDeploy() {
        const state = get();
        if (!state.worldId || state.problems.list.length > 0 || state.busy !== null) return;
        const worldId = state.worldId;
        const first = state.deployedRev === null;
        set({ busy: 'planning' });
        let preview: DeployPreview;
        try {
          preview = await http.previewDeploy(worldId, selectDraftWorld(state));
        } catch (error) {
          toast(errorToast('Could not plan the deploy', error));
          return;
        } finally {
          set({ busy: null });
        }
        if (get().worldId !== worldId) return;
        // A first deploy starts at once, unless the process budget has no room for it: then its plan says why.
        if (first && preview.budget.fits) return actions.deploy();
        set({ planPreview: preview });
      },

      async applyPlan() {
        const preview = get().planPreview;
        if (preview === null || !preview.budget.fits) return;
        set({ planPreview: null });
        await actions.deploy();
      },

      cancelPlan() {
        set({ planPreview: null });
      },

      async reload() {
        const id = get().worldId;
        if (id) await actions.openWorld(id);
      },

      setName(name) {
        edit({ name });
      },

      setHopBudget(hopBudget) {
        const { settings } = get();
        const { hopBudget: _, ...rest } = settings ?? {};
        edit({ settings: hopBudget === undefined ? rest : { ...rest, hopBudget } });
      },

      setLeafLifetime(leafLifetimeMinutes) {
        const { settings } = get();
        const { leafLifetimeMinutes: _, ...rest } = settings ?? {};
        edit({ settings: leafLifetimeMinutes === undefined ? rest : { ...rest, leafLifetimeMinutes } });
      },

      setScenarios(scenarios) {
        edit({ scenarios });
      },

      onNodesChange(changes) {
        const state = get();
        const nodes = applyNodeChanges(changes, state.nodes);
        const structural = changes.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace');
        const positions = changes.filter((c) => c.type === 'position');
        const moved = positions.some((c) => c.position !== undefined);
        // A drag is one undo step, remembered when it starts; each keyboard nudge is one.
        if (moved && !dragging) {
          remember();
        }
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

      canConnect({ source, target }) {
        if (!source || !target || source === target) return false;
        const { nodes, edges } = get();
        if (nodes.find((n) => n.id === target)?.data.kind !== 'service') return false;
        const from = nodes.find((n) => n.id === source)?.data;
        if (from?.kind === 'intruder' && from.config.mode === 'impostor') return false;
        return !edges.some((e) => e.source === source && e.target === target);
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
        edit({
          nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
          edges: edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        });
        return id;
      },

      setNodeData(id, data) {
        edit({
          nodes: get().nodes.map((n): EditorNode => {
            if (n.id !== id || n.data.kind !== data.kind) return n;
            // What the node was imported from stays; fields set to undefined are dropped (absent means default).
            const display = 'display' in n.data && n.data.display ? { display: n.data.display } : {};
            const next = Object.fromEntries(Object.entries({ ...data, ...display }).filter(([, v]) => v !== undefined));
            return { ...n, type: data.kind, data: next } as EditorNode;
          }),
        });
      },

      setLinkWeight(id, weight) {
        edit({
          edges: get().edges.map((e): EditorEdge => {
            if (e.id !== id) return e;
            const { weight: _, ...data } = e.data ?? {};
            return { ...e, data: weight === undefined ? data : { ...data, weight } };
          }),
        });
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

      setLinkPolicy(id, policy) {
        edit({
          edges: get().edges.map((e) =>
            e.id !== id
              ? e
              : {
                  ...e,
                  data:
                    policy === 'allow'
                      ? e.data?.weight === undefined
                        ? {}
                        : { weight: e.data.weight }
                      : { ...e.data, policy },
                },
          ),
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

      async save() {
        // Wait for a save in flight; it may already have saved everything this one would.
        while (saveInFlight) {
          if (!(await saveInFlight)) return false;
          if (!selectDirty(get())) return true;
        }
        saveInFlight = saveNow();
        try {
          return await saveInFlight;
        } finally {
          saveInFlight = null;
        }
      },

      async deploy() {
        const state = get();
        if (!state.worldId || state.problems.list.length > 0) return;
        if (selectDirty(state) && !(await actions.save())) return;
        const worldId = state.worldId;
        set({ busy: 'deploying' });
        try {
          const { rev } = await http.deploy(worldId);
          if (get().worldId !== worldId) return;
          traffic.getState().actions.deployStarted(get().nodes.map((n) => n.id));
          set({ deployedRev: rev, ignoreFramesUntil: 0 });
        } catch (error) {
          toast(errorToast('Could not deploy', error));
        } finally {
          set({ busy: null });
        }
      },

      async stop() {
        const worldId = get().worldId;
        if (!worldId) return;
        set({ busy: 'stopping' });
        try {
          await http.stop(worldId);
          if (get().worldId !== worldId) return;
          traffic.getState().actions.stopped();
          set({ deployedRev: null, ignoreFramesUntil: performance.now() + 1500 });
        } catch (error) {
          toast(errorToast('Could not stop', error));
        } finally {
          set({ busy: null });
        }
      },

      observeDeployedRev(rev) {
        const state = get();
        if (rev !== null && performance.now() < state.ignoreFramesUntil) return;
        if (rev !== state.deployedRev) set({ deployedRev: rev });
      },

      pushToast(input) {
        const id = ++toastSeq;
        set({ toasts: [...get().toasts.slice(-4), { ...input, id }] });
        if (input.ttlMs !== undefined) setTimeout(() => get().actions.dismissToast(id), input.ttlMs);
      },

      dismissToast(id) {
        const { toasts } = get();
        if (toasts.some((t) => t.id === id)) set({ toasts: toasts.filter((t) => t.id !== id) });
      },
    };

    return {
      worlds: [],
      observing: null,
      worldId: null,
      baseRev: null,
      name: '',
      settings: undefined,
      scenarios: undefined,
      nodes: [],
      edges: [],
      problems: NO_PROBLEMS,
      changeSeq: 0,
      savedSeq: 0,
      loadSeq: 0,
      deployedRev: null,
      ignoreFramesUntil: 0,
      busy: null,
      past: [],
      future: [],
      hasClip: false,
      planPreview: null,
      bootError: null,
      toasts: [],
      actions,
    };
  });
  return store;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What validateWorld would say about a node's id if it were renamed, for a rename the store refused. */
export function renameProblem(state: EditorState, id: string, nextId: string): string | undefined {
  const world = selectDraftWorld(state);
  const index = world.services.findIndex((s) => s.id === id);
  if (index < 0) return undefined;
  const services = world.services.map((s, i) => (i === index ? { ...s, id: nextId } : s));
  const result = validateWorld({ ...world, services });
  if (result.ok) return undefined;
  const messages = result.problems.filter((p) => p.pointer === `/services/${index}/id`).map((p) => p.message);
  return messages.length > 0 ? messages.join('; ') : undefined;
}
