// Deploying: a deploy first plans the draft (POST deploy/plan). When nothing runs and the plan fits the process
// budget it saves a dirty draft and deploys at once; otherwise it shows the plan, and Apply plan deploys. The
// deploy carries the revision it deploys: a world saved again meanwhile (elsewhere) is refused as stale (409), and
// the person is asked to look at the plan again. Stop ends the deployment.
import { type DeployPreview, deployDecision, type World } from '@dw/world';
import { ApiError } from '../../api/http-client';
import type { EditorState } from '../editor-store';
import { errorToast } from '../toasts';
import { selectDraftWorld } from './draft-slice';
import { selectDirty } from './saves-slice';
import type { Slice, SliceKit } from './slice-kit';

export interface DeployState {
  deployedRev: number | null;
  /**
   * The world that runs, when this page knows it (it deployed it, or the saved revision it opened is the one that
   * runs); null when nothing runs or when it runs a revision this page never had.
   */
  deployedWorld: World | null;
  /** Frames arriving before this time (performance.now()) are from a deployment just stopped. */
  ignoreFramesUntil: number;
  /** The plan of a redeploy, shown before it is applied. */
  planPreview: DeployPreview | null;
}

export interface DeployActions {
  /** Deploy as a person asks for it: a first deploy runs at once; a redeploy first shows its plan. */
  requestDeploy(): Promise<void>;
  applyPlan(): Promise<void>;
  cancelPlan(): void;
  /** Saves a dirty draft, then deploys the saved revision. */
  deploy(): Promise<void>;
  stop(): Promise<void>;
  /** The live connection saw a deployment (possibly started elsewhere) or its end. */
  observeDeployedRev(rev: number | null): void;
}

/** What runs of a world just opened (or of none): its revision, and its world when that is known. */
export const deployedAt = (
  rev: number | null,
  world: World | null = null,
): Pick<DeployState, 'deployedRev' | 'deployedWorld' | 'planPreview'> => ({
  deployedRev: rev,
  deployedWorld: rev === null ? null : world,
  planPreview: null,
});

/** A cache of a pure function (what runs, what is drawn) -> "a deploy would change no process". */
const asDrawnCache = new WeakMap<World, WeakMap<World, boolean>>();

/** A deploy of `drawn` over `running` would start, restart, stop and scale nothing. */
export function runsAsDrawn(running: World, drawn: World): boolean {
  let inner = asDrawnCache.get(running);
  const known = inner?.get(drawn);
  if (known !== undefined) return known;
  const { mode, plan } = deployDecision(running, drawn);
  const same =
    mode === 'in-place' && plan.start.length + plan.restart.length + plan.stop.length + plan.scale.length === 0;
  if (!inner) {
    inner = new WeakMap();
    asDrawnCache.set(running, inner);
  }
  inner.set(drawn, same);
  return same;
}

/**
 * The drawing differs from what runs, in a way a deploy would act on (a moved box, a renamed world or an edited
 * scenario is not). When this page does not know the world that runs, a revision other than the draft's says so.
 */
export function selectBehindDeployed(state: EditorState): boolean {
  if (state.deployedRev === null) return false;
  if (state.deployedWorld === null) return state.baseRev !== state.deployedRev || selectDirty(state);
  return !runsAsDrawn(state.deployedWorld, selectDraftWorld(state));
}

/** The server's code for a deploy whose revision is no longer the world's. */
export const STALE_REVISION = 'stale-revision';

export function deploySlice({ set, get, http, traffic }: SliceKit): Slice<DeployState, DeployActions> {
  const toast = (input: Parameters<EditorState['actions']['pushToast']>[0]) => get().actions.pushToast(input);

  const actions: DeployActions = {
    async requestDeploy() {
      const state = get();
      if (!state.worldId || state.problems.list.length > 0 || state.busy !== null || state.replay !== null) return;
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

    async deploy() {
      const state = get();
      if (!state.worldId || state.problems.list.length > 0) return;
      if (selectDirty(state) && !(await get().actions.save())) return;
      const { worldId, baseRev } = get();
      if (worldId !== state.worldId || baseRev === null) return;
      // what is saved now (the draft is clean) is what this deploy runs
      const world = selectDraftWorld(get());
      set({ busy: 'deploying' });
      try {
        const { rev } = await http.deploy(worldId, baseRev);
        if (get().worldId !== worldId) return;
        traffic.getState().actions.deployStarted(get().nodes.map((n) => n.id));
        set({ deployedRev: rev, deployedWorld: rev === baseRev ? world : null, ignoreFramesUntil: 0 });
      } catch (error) {
        if (error instanceof ApiError && error.status === 409 && error.code === STALE_REVISION) {
          toast({
            tone: 'error',
            title: 'Not deployed',
            message: `The world changed since this plan; look at the plan again.\n${error.message}`,
            action: { label: 'Reload', run: () => void get().actions.reload() },
          });
        } else {
          toast(errorToast('Could not deploy', error));
        }
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
        set({ deployedRev: null, deployedWorld: null, ignoreFramesUntil: performance.now() + 1500 });
      } catch (error) {
        toast(errorToast('Could not stop', error));
      } finally {
        set({ busy: null });
      }
    },

    observeDeployedRev(rev) {
      const state = get();
      if (rev !== null && performance.now() < state.ignoreFramesUntil) return;
      if (rev === state.deployedRev) return;
      // a revision deployed elsewhere (a scenario's Play, another tab): known when it is the one this draft saved
      const known = rev !== null && rev === state.baseRev && !selectDirty(state);
      set({ deployedRev: rev, deployedWorld: known ? selectDraftWorld(state) : null });
    },
  };

  return { state: { ...deployedAt(null), ignoreFramesUntil: 0 }, actions };
}
