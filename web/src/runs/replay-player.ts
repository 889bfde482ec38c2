// Plays a recorded run into the traffic store, through the same actions the live socket uses (ingestFrame,
// ingestStatus, ingestProgress, ingestFaults, ingestScenario), so the overlay, labels, charts and inspectors show
// the recording exactly as they showed the live view. Seeking starts the store afresh and feeds what led up to the
// moment (the faults and states in force then, and the last minutes of frames the charts keep).
import { FIGURE_WINDOW_MS, type RunRecord } from '@dw/world';
import type { TrafficStore } from '../live/traffic-store';

/** How often the player advances, ms of wall-clock time. */
export const TICK_MS = 100;
/** Frames fed before the moment sought, so charts have their history (the charts keep 5 minutes). */
const LEAD_MS = 5 * 60_000;

export const SPEEDS = [0.5, 1, 2, 4, 8] as const;

export interface PlayerState {
  at: number;
  playing: boolean;
  speed: number;
}

export class ReplayPlayer {
  readonly start: number;
  readonly end: number;
  private readonly records: RunRecord[];
  /** Index of the first record not fed yet. */
  private next = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private state: PlayerState;

  constructor(
    records: readonly RunRecord[],
    private readonly worldId: string,
    private readonly traffic: TrafficStore,
    private readonly onChange: (state: PlayerState) => void,
  ) {
    // in time order (a status written a moment before the frame it belongs to stays before it)
    this.records = [...records].sort((a, b) => a.at - b.at);
    this.start = this.records[0]?.at ?? 0;
    this.end = this.records[this.records.length - 1]?.at ?? this.start;
    this.state = { at: this.start, playing: false, speed: 1 };
    this.seek(this.start);
  }

  get current(): PlayerState {
    return this.state;
  }

  private feed(record: RunRecord): void {
    const actions = this.traffic.getState().actions;
    // a recording may come from another controller: its events name the world it was recorded from
    if (record.t === 'frame') actions.ingestFrame({ ...record.frame, worldId: this.worldId });
    else if (record.t === 'status') actions.ingestStatus({ ...record.status, worldId: this.worldId });
    else if (record.t === 'progress') actions.ingestProgress({ ...record.progress, worldId: this.worldId });
    else if (record.t === 'faults') actions.ingestFaults({ ...record.faults, worldId: this.worldId });
    else if (record.t === 'scenario') actions.ingestScenario({ ...record.scenario, worldId: this.worldId });
  }

  /** Shows the run as it was at `at` (clamped to the run). */
  seek(at: number): void {
    const target = Math.min(this.end, Math.max(this.start, at));
    this.traffic.getState().actions.reset(this.worldId);
    const upTo = this.records.findIndex((r) => r.at > target);
    const end = upTo === -1 ? this.records.length : upTo;
    const statuses = new Map<string, RunRecord>();
    let faults: RunRecord | undefined;
    const progress: RunRecord[] = [];
    const frames: RunRecord[] = [];
    for (let i = 0; i < end; i++) {
      const record = this.records[i] as RunRecord;
      if (record.t === 'status') statuses.set(record.status.id, record);
      else if (record.t === 'faults') faults = record;
      else if (record.t === 'progress') progress.push(record);
      else if (record.t === 'frame' && record.at >= target - LEAD_MS) frames.push(record);
    }
    for (const record of progress.slice(-200)) this.feed(record);
    for (const record of statuses.values()) this.feed(record);
    if (faults) this.feed(faults);
    for (const record of frames) this.feed(record);
    this.next = end;
    this.update({ at: target });
  }

  /** Advances to `at`, feeding every record on the way. */
  private advance(at: number): void {
    while (this.next < this.records.length && (this.records[this.next] as RunRecord).at <= at) {
      this.feed(this.records[this.next] as RunRecord);
      this.next++;
    }
    this.update({ at });
    if (at >= this.end) this.pause();
  }

  play(): void {
    if (this.timer) return;
    if (this.state.at >= this.end) this.seek(this.start);
    this.timer = setInterval(
      () => this.advance(Math.min(this.end, this.state.at + TICK_MS * this.state.speed)),
      TICK_MS,
    );
    this.update({ playing: true });
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.update({ playing: false });
  }

  setSpeed(speed: number): void {
    this.update({ speed });
  }

  /** Where to look for what an event did: a fault or a kill shows in the figures of the second after it. */
  static showAt(event: { at: number; kind: string }): number {
    return event.kind === 'fault' || event.kind === 'kill' || event.kind === 'heal'
      ? event.at + FIGURE_WINDOW_MS + 200
      : event.at;
  }

  stop(): void {
    this.pause();
  }

  private update(change: Partial<PlayerState>): void {
    this.state = { ...this.state, ...change };
    this.onChange(this.state);
  }
}
