// Runs: the recordings the controller keeps of every deploy (GET /api/worlds/:id/runs), replayed on the canvas,
// compared two at a time, exported and imported. A replay shows the run's own world revision on the canvas and
// plays its recording into the traffic store (runs/replay-player.ts); while it plays, the live socket's events are
// set aside (use-live-connection.ts) and nothing can be saved or deployed, so live and replay never mix. Leaving
// the replay opens the world again as the server has it.
import {
  compareRuns,
  type compareRuns as compareRunsFn,
  type RunDetail,
  type RunEvent,
  type RunSummary,
  runEvents,
} from '@dw/world';
import { type PlayerState, ReplayPlayer } from '../../runs/replay-player';
import { errorToast } from '../toasts';
import { deployedAt } from './deploy-slice';
import { draftOf } from './draft-slice';
import { clearedHistory } from './history-slice';
import { selectDirty } from './saves-slice';
import type { Slice, SliceKit } from './slice-kit';

export interface Replay {
  run: RunSummary;
  events: RunEvent[];
  start: number;
  end: number;
}

export interface Comparison {
  a: RunSummary;
  b: RunSummary;
  result: ReturnType<typeof compareRunsFn>;
  /** Per link id: what the diagram colours. */
  verdicts: Record<string, 'better' | 'worse' | 'same'>;
}

export interface RunsState {
  runsOpen: boolean;
  /** The open world's runs and every imported run, newest first (loaded when the panel opens). */
  runs: RunSummary[];
  replay: Replay | null;
  player: PlayerState | null;
  comparison: Comparison | null;
}

export interface RunsActions {
  showRuns(open: boolean): Promise<void>;
  refreshRuns(): Promise<void>;
  /** Opens a run read-only: its world revision on the canvas, its recording in the traffic store. */
  openReplay(runId: string): Promise<void>;
  leaveReplay(): Promise<void>;
  play(): void;
  pause(): void;
  seek(at: number): void;
  setSpeed(speed: number): void;
  compare(aRunId: string, bRunId: string): Promise<void>;
  closeComparison(): void;
  importRun(text: string, fileName: string): Promise<void>;
  deleteRun(runId: string): Promise<void>;
}

export function runsSlice({ set, get, http, traffic }: SliceKit): Slice<RunsState, RunsActions> {
  /** The replay's player: owned by this store, stopped when the replay ends. */
  let player: ReplayPlayer | null = null;
  const toast = (error: unknown, title: string) => get().actions.pushToast(errorToast(title, error));

  const actions: RunsActions = {
    async showRuns(open) {
      set({ runsOpen: open });
      if (open) await actions.refreshRuns();
    },

    async refreshRuns() {
      const worldId = get().worldId;
      try {
        const [own, all] = await Promise.all([worldId ? http.worldRuns(worldId) : [], http.allRuns()]);
        const imported = all.filter((r) => r.imported && !own.some((o) => o.runId === r.runId));
        set({ runs: [...own, ...imported].sort((a, b) => b.startedAt - a.startedAt) });
      } catch (error) {
        toast(error, 'Could not list the runs');
      }
    },

    async openReplay(runId) {
      const state = get();
      if (state.replay === null && selectDirty(state)) {
        if (state.problems.list.length > 0) {
          if (!window.confirm(`"${state.name}" has unsaved changes that cannot be saved. Discard them to replay?`))
            return;
        } else if (!(await state.actions.save())) return;
      }
      try {
        const file = await http.runFile(runId);
        player?.stop();
        const replay: Replay = { run: file.run, events: runEvents(file.records), start: 0, end: 0 };
        set({
          ...draftOf(file.world),
          ...clearedHistory(),
          savedSeq: 0,
          // labels, badges and charts show what ran: the run's revision, as if deployed (panels that act on a
          // running world check `replay` and stay away)
          ...deployedAt(file.run.rev, file.world),
          loadSeq: get().loadSeq + 1,
          comparison: null,
          runsOpen: false,
        });
        player = new ReplayPlayer(file.records, file.run.worldId, traffic, (playerState) =>
          set({ player: playerState }),
        );
        set({ replay: { ...replay, start: player.start, end: player.end } });
      } catch (error) {
        toast(error, 'Could not open the run');
      }
    },

    async leaveReplay() {
      player?.stop();
      player = null;
      set({ replay: null, player: null });
      await get().actions.reload();
    },

    play: () => player?.play(),
    pause: () => player?.pause(),
    seek: (at) => player?.seek(at),
    setSpeed: (speed) => player?.setSpeed(speed),

    async compare(aRunId, bRunId) {
      try {
        const [a, b]: [RunDetail, RunDetail] = await Promise.all([http.run(aRunId), http.run(bRunId)]);
        const result = compareRuns(a, b);
        const verdicts = Object.fromEntries(result.links.map((l) => [l.id, l.verdict]));
        set({ comparison: { a: a.run, b: b.run, result, verdicts }, runsOpen: false });
      } catch (error) {
        toast(error, 'Could not compare the runs');
      }
    },

    closeComparison: () => set({ comparison: null }),

    async importRun(text, fileName) {
      let file: unknown;
      try {
        file = JSON.parse(text);
      } catch (error) {
        toast(new Error(`${fileName} is not JSON: ${(error as Error).message}`), `Could not import ${fileName}`);
        return;
      }
      try {
        const { run } = await http.importRun(file);
        get().actions.pushToast({
          tone: 'success',
          title: `Imported run ${run.runId} (rev ${run.rev}, ${run.frames} frames)`,
          ttlMs: 5000,
        });
        await actions.refreshRuns();
      } catch (error) {
        toast(error, `Could not import ${fileName}`);
      }
    },

    async deleteRun(runId) {
      try {
        await http.deleteRun(runId);
        await actions.refreshRuns();
      } catch (error) {
        toast(error, 'Could not delete the run');
      }
    },
  };

  return { state: { runsOpen: false, runs: [], replay: null, player: null, comparison: null }, actions };
}
