// The catalog: the worlds the controller keeps, which one is open, and opening, creating, duplicating, importing,
// exporting and deleting them. Opening a world gives every other slice its fresh start (the draft of the world,
// no history, its saved revision, what runs of it). Before another world opens, a valid draft is saved and an
// invalid one is dropped only if the person agrees.
import { uniqueWorldName, type World, type WorldRecord, type WorldSummary } from '@dw/world';
import { ApiError } from '../../api/http-client';
import { layeredLayout } from '../auto-layout';
import type { EditorState } from '../editor-store';
import { errorToast } from '../toasts';
import { readWorldIdFromUrl, writeWorldIdToUrl } from '../world-url';
import { deployedAt } from './deploy-slice';
import { draftOf, emptyDraft, selectDraftWorld } from './draft-slice';
import { clearedHistory } from './history-slice';
import { savedAt, selectDirty } from './saves-slice';
import { plural, type Slice, type SliceKit } from './slice-kit';

export interface CatalogState {
  worlds: WorldSummary[];
  /** Set when this controller only observes a world running in compose: nothing can be saved or deployed. */
  observing: string | null;
  /** The open world; null before the first one loads. */
  worldId: string | null;
  /** Bumps whenever a world is (re)loaded, so the canvas can fit it into view. */
  loadSeq: number;
  bootError: string | null;
}

export interface CatalogActions {
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
  /** Throws the draft away and loads what the server has. */
  reload(): Promise<void>;
}

/** The list with `record` first (just saved or created). */
export function withSummary(worlds: readonly WorldSummary[], record: WorldRecord): WorldSummary[] {
  const summary: WorldSummary = { id: record.id, name: record.world.name, updatedAt: new Date().toISOString() };
  return [summary, ...worlds.filter((w) => w.id !== record.id)];
}

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

export function catalogSlice({ set, get, http, traffic }: SliceKit): Slice<CatalogState, CatalogActions> {
  const toast = (input: Parameters<EditorState['actions']['pushToast']>[0]) => get().actions.pushToast(input);

  /** Opens `record`: every slice starts afresh on it. */
  function load(record: WorldRecord, deployedRev: number | null): void {
    set({
      worldId: record.id,
      loadSeq: get().loadSeq + 1,
      ...draftOf(record.world),
      ...clearedHistory(),
      ...savedAt(record.rev),
      ...deployedAt(deployedRev, deployedRev === record.rev ? record.world : null),
    });
    writeWorldIdToUrl(record.id);
  }

  /** A world just created on the server: open it, and list it. */
  function opened(record: WorldRecord): void {
    traffic.getState().actions.reset(record.id);
    load(record, null);
    set({ worlds: withSummary(get().worlds, record), busy: null });
    void actions.refreshWorlds();
  }

  /** Before another world opens: a valid draft is saved, an invalid one is only dropped if the person agrees. */
  async function leaveCurrent(): Promise<boolean> {
    const state = get();
    if (!selectDirty(state)) return true;
    if (state.problems.list.length === 0) return state.actions.save();
    return window.confirm(
      `"${state.name}" has unsaved changes that cannot be saved (${plural(state.problems.list.length, 'problem')}). Discard them?`,
    );
  }

  const actions: CatalogActions = {
    async boot() {
      if (get().busy === 'loading') return;
      set({ busy: 'loading', bootError: null });
      try {
        const [worlds, health] = await Promise.all([
          http.listWorlds(),
          http.health().catch(() => ({ ok: true as const, observing: undefined })),
        ]);
        set({ worlds, observing: health.observing ?? null });
        const id = readWorldIdFromUrl() ?? worlds[0]?.id;
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
        const fresh = world ?? { version: 1, name: 'untitled', services: [], links: [] };
        const name = uniqueWorldName(
          fresh.name,
          get().worlds.map((w) => w.name),
        );
        opened(await http.createWorld({ ...fresh, name }));
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
        opened({ id, rev, world });
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
      if (selectDirty(state) && !(await state.actions.save())) return null;
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
          ...emptyDraft(),
          ...clearedHistory(),
          ...savedAt(null),
          ...deployedAt(null),
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
      const positions = layeredLayout({ nodes: world.services, links: world.links });
      await actions.createWorld({
        ...world,
        services: world.services.map((s) => ({ ...s, position: positions.get(s.id) ?? s.position })),
      });
    },

    async reload() {
      const id = get().worldId;
      if (id) await actions.openWorld(id);
    },
  };

  return {
    state: { worlds: [], observing: null, worldId: null, loadSeq: 0, bootError: null },
    actions,
  };
}
