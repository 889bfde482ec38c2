// The runs kept in the data directory: one append-only NDJSON file per run (`<data>/runs/<runId>.ndjson`, 0600),
// whose first line is its start (world, revision) and whose lines are RunRecords of @dw/world. Lines are kept in
// memory and written at most every FLUSH_INTERVAL_MS (1 s), so a controller killed with -9 (whose writes the kernel
// already holds) loses at most the last second; they are fdatasync'd every SYNC_INTERVAL_MS and when a run ends, so
// a machine that loses power loses at most that much (each sync costs the controller system time: bench/recording).
// loses at most the last second; a reader skips a torn last line. Bounded: a run stops growing at `maxRunBytes`
// (a `truncated` line says so), and the oldest ENDED runs are removed while the total passes `maxTotalBytes` or
// the count passes `maxRuns` -- never a run being recorded.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type RunEvent,
  type RunRecord,
  type RunStartRecord,
  type RunSummary,
  runEvents,
  runTotals,
  type TrafficFrame,
  type World,
} from '@dw/world';
import { ensurePrivateDir } from '../storage/atomic-write.js';

export interface RunLimits {
  /** Largest recording of one run, bytes. */
  maxRunBytes: number;
  /** Every run together, bytes. */
  maxTotalBytes: number;
  /** Most runs kept. */
  maxRuns: number;
  /** Sampled spans written per second and run (the rest are counted, not kept): recording stays flat with traffic. */
  spansPerSecond: number;
  /** Log lines written per second and run. */
  logLinesPerSecond: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = {
  maxRunBytes: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxRuns: 200,
  spansPerSecond: 200,
  logLinesPerSecond: 50,
};

/** At most this long between a record and its write to the file. */
export const FLUSH_INTERVAL_MS = 1000;
/** At most this long between a write and its fdatasync (a run's end is synced at once). */
export const SYNC_INTERVAL_MS = 5000;

/** Room kept at the end of a full run for its `truncated` and `end` lines. */
const END_RESERVE_BYTES = 256;

export const newRunId = (at = Date.now()) => `${at.toString(36)}-${randomBytes(3).toString('hex')}`;
const fileOf = (dir: string, runId: string) => join(dir, `${runId}.ndjson`);
const RUN_FILE = /^([a-z0-9]{1,16}-[0-9a-f]{6})\.ndjson$/;

/** What GET /api/runs/:runId says of a run beyond its summary: computed once for an ended run, then kept. */
export interface RunFacts {
  world: World;
  spanMs: number;
  links: ReturnType<typeof runTotals>['links'];
  services: ReturnType<typeof runTotals>['services'];
  events: RunEvent[];
}

/** A frame's line starts `{"t":"frame","at":<ms>,` (JSON.stringify keeps the order it was built in). */
const FRAME_LINE = /^\{"t":"frame","at":(\d+),/;

/** Parses a recording's text: a line that does not parse (a torn last line after a crash) is skipped. */
export function parseRecords(text: string): { records: RunRecord[]; skipped: number } {
  const records: RunRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as RunRecord);
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

interface Kept {
  summary: RunSummary;
  bytes: number;
}

/** One run being recorded: lines wait in memory until the next flush. */
class Recording {
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private unsynced = false;
  private syncedAt = Date.now();
  private full = false;
  private second = 0;
  private spansThisSecond = 0;
  private logsThisSecond = 0;
  /** Spans and log lines over the per-second caps, not written. */
  dropped = 0;
  ended = false;

  constructor(
    readonly kept: Kept,
    private readonly handle: Promise<FileHandle>,
    private readonly limits: RunLimits,
  ) {
    handle.catch(() => {}); // said by the first flush
  }

  append(record: RunRecord): void {
    if (this.ended || this.full) return;
    if (record.t === 'spans' || record.t === 'log') {
      const second = Math.floor(record.at / 1000);
      if (second !== this.second) {
        this.second = second;
        this.spansThisSecond = 0;
        this.logsThisSecond = 0;
      }
      if (record.t === 'spans') {
        const room = this.limits.spansPerSecond - this.spansThisSecond;
        if (room <= 0) {
          this.dropped += record.spans.length;
          return;
        }
        if (record.spans.length > room) {
          this.dropped += record.spans.length - room;
          record = { ...record, spans: record.spans.slice(0, room) };
        }
        this.spansThisSecond += record.spans.length;
      } else if (++this.logsThisSecond > this.limits.logLinesPerSecond) {
        this.dropped++;
        return;
      }
    }
    const line = `${JSON.stringify(record)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.kept.bytes + bytes > this.limits.maxRunBytes - END_RESERVE_BYTES) {
      this.full = true;
      this.kept.summary.truncated = true;
      this.write({ t: 'truncated', at: record.at });
      return;
    }
    this.write(record, line, bytes);
  }

  private write(record: RunRecord, line = `${JSON.stringify(record)}\n`, bytes = Buffer.byteLength(line)): void {
    this.pending.push(line);
    this.kept.bytes += bytes;
    this.kept.summary.bytes = this.kept.bytes;
    if (record.t === 'frame') this.kept.summary.frames++;
  }

  /**
   * Writes what waits; fdatasync when `sync` or SYNC_INTERVAL_MS after the last one. Flushes run one after another.
   */
  flush(sync = false): Promise<void> {
    if (this.pending.length === 0 && !sync) return this.flushing;
    const text = this.pending.join('');
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      const handle = await this.handle;
      if (text !== '') {
        await handle.write(text);
        this.unsynced = true;
      }
      const now = Date.now();
      if (this.unsynced && (sync || now - this.syncedAt >= SYNC_INTERVAL_MS)) {
        await handle.datasync();
        this.unsynced = false;
        this.syncedAt = now;
      }
    });
    return this.flushing;
  }

  async end(at: number): Promise<void> {
    if (this.ended) return;
    this.write({ t: 'end', at });
    this.ended = true;
    this.kept.summary.endedAt = at;
    try {
      await this.flush(true);
    } finally {
      await (await this.handle).close();
    }
  }
}

export class RunStore {
  private readonly runs = new Map<string, Kept>();
  /** The facts of ended runs already read (small: totals per link and service, at most MAX_RUN_EVENTS events). */
  private readonly facts = new Map<string, RunFacts>();
  /** The run being recorded, per world. */
  private readonly recording = new Map<string, Recording>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  private constructor(
    readonly dir: string,
    readonly limits: RunLimits,
    private readonly onError: (message: string) => void,
  ) {}

  /** Opens the runs of `dir` (made 0700 when missing). A run a dead controller left open ends at its last line. */
  static async open(
    dir: string,
    limits: RunLimits = DEFAULT_RUN_LIMITS,
    onError: (message: string) => void = () => {},
  ): Promise<RunStore> {
    await ensurePrivateDir(dir);
    const store = new RunStore(dir, limits, onError);
    for (const name of await readdir(dir)) {
      const runId = RUN_FILE.exec(name)?.[1];
      if (!runId) continue;
      try {
        store.runs.set(runId, await summarize(join(dir, name)));
      } catch (error) {
        onError(`run file ${name} is not readable and is left alone: ${(error as Error).message}`);
      }
    }
    store.timer = setInterval(() => void store.flushAll(), FLUSH_INTERVAL_MS);
    store.timer.unref();
    return store;
  }

  /** Every run, newest first; of one world when `worldId` is given. */
  list(worldId?: string): RunSummary[] {
    return [...this.runs.values()]
      .map((kept) => kept.summary)
      .filter((summary) => worldId === undefined || summary.worldId === worldId)
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  get(runId: string): RunSummary | undefined {
    const summary = this.runs.get(runId)?.summary;
    return summary && { ...summary };
  }

  isRecording(runId: string): boolean {
    for (const recording of this.recording.values()) if (recording.kept.summary.runId === runId) return true;
    return false;
  }

  /** The run being recorded of a world, if any. */
  current(worldId: string): RunSummary | undefined {
    return this.recording.get(worldId)?.kept.summary;
  }

  /** Every record of a run as written so far (a running run's waiting lines are flushed first). */
  async records(runId: string): Promise<RunRecord[] | undefined> {
    if (!this.runs.has(runId)) return undefined;
    for (const recording of this.recording.values()) {
      if (recording.kept.summary.runId === runId) await recording.flush().catch(() => {});
    }
    try {
      return parseRecords(await readFile(fileOf(this.dir, runId), 'utf8')).records;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * A run's lines as written (a torn last line left out), for an export that copies them without parsing each
   * one; the first is its start. Undefined: no such run.
   */
  async lines(runId: string): Promise<string[] | undefined> {
    if (!this.runs.has(runId)) return undefined;
    for (const recording of this.recording.values()) {
      if (recording.kept.summary.runId === runId) await recording.flush().catch(() => {});
    }
    let text: string;
    try {
      text = await readFile(fileOf(this.dir, runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const lines = text.split('\n').filter((line) => line !== '');
    const last = lines.at(-1);
    if (last !== undefined && lines.length > 1) {
      try {
        JSON.parse(last);
      } catch {
        lines.pop();
      }
    }
    return lines;
  }

  /** A run's world, totals and events (undefined: no such run). An ended run's are read once and kept. */
  async factsOf(runId: string): Promise<RunFacts | undefined> {
    const known = this.facts.get(runId);
    if (known) return known;
    const records = await this.records(runId);
    if (!records) return undefined;
    const start = records[0];
    if (start?.t !== 'start') throw new Error(`run "${runId}" has no start record`);
    const totals = runTotals(records.flatMap((r) => (r.t === 'frame' ? [r.frame] : [])));
    const facts: RunFacts = { world: start.world, ...totals, events: runEvents(records) };
    if (this.runs.get(runId)?.summary.endedAt != null && !this.isRecording(runId)) this.facts.set(runId, facts);
    return facts;
  }

  /**
   * The frames of a run whose window closed in [from, to), at most `limit`, and the time of the next one. The file
   * is read as a stream and only the page's lines are parsed, so a page costs the same whatever the run's size
   * (undefined: no such run).
   */
  async framesPage(
    runId: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<{ frames: TrafficFrame[]; next: number | null } | undefined> {
    if (!this.runs.has(runId)) return undefined;
    for (const recording of this.recording.values()) {
      if (recording.kept.summary.runId === runId) await recording.flush().catch(() => {});
    }
    const stream = createReadStream(fileOf(this.dir, runId), { encoding: 'utf8' });
    const opened = new Promise<boolean>((resolve) => {
      stream.once('open', () => resolve(true));
      stream.once('error', () => resolve(false));
    });
    if (!(await opened)) return undefined;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const frames: TrafficFrame[] = [];
    let next: number | null = null;
    try {
      for await (const line of lines) {
        const at = FRAME_LINE.exec(line)?.[1];
        if (at === undefined) continue;
        const time = Number(at);
        if (time < from || time >= to) continue;
        if (frames.length === limit) {
          next = time;
          break;
        }
        try {
          frames.push((JSON.parse(line) as { frame: TrafficFrame }).frame);
        } catch {
          // a torn last line after a crash
        }
      }
    } finally {
      lines.close();
      stream.destroy();
    }
    return { frames, next };
  }

  /**
   * Starts recording a run of `worldId` at `rev` (ending the one it had). Synchronous, so that no event of the
   * deploy falls between two runs; the file is opened in the background and written at the next flush.
   */
  start(worldId: string, rev: number, world: World, at = Date.now()): RunSummary {
    void this.end(worldId, at).catch((error: unknown) =>
      this.onError(`could not end the previous run of world "${worldId}": ${(error as Error).message}`),
    );
    const runId = newRunId(at);
    const handle = open(fileOf(this.dir, runId), 'wx', 0o600);
    const kept: Kept = {
      summary: { runId, worldId, rev, startedAt: at, endedAt: null, frames: 0, bytes: 0 },
      bytes: 0,
    };
    this.runs.set(runId, kept);
    const recording = new Recording(kept, handle, this.limits);
    this.recording.set(worldId, recording);
    recording.append({ t: 'start', runId, worldId, rev, at, world } satisfies RunStartRecord);
    return kept.summary;
  }

  /** Adds a record to the world's running run (none: ignored). */
  append(worldId: string, record: RunRecord): void {
    this.recording.get(worldId)?.append(record);
  }

  /** Ends the world's running run, if any: its `end` line is written and synced. */
  async end(worldId: string, at = Date.now()): Promise<void> {
    const recording = this.recording.get(worldId);
    if (!recording) return;
    this.recording.delete(worldId);
    await recording.end(at);
    await this.evict();
  }

  /** Ends every running run (the controller closes). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const at = Date.now();
    await Promise.allSettled([...this.recording.keys()].map((worldId) => this.end(worldId, at)));
  }

  /** Removes an ended run; false when there is none; throws 'recording' for the running one. */
  async delete(runId: string): Promise<boolean> {
    if (!this.runs.has(runId)) return false;
    if (this.isRecording(runId)) throw new Error('recording');
    this.runs.delete(runId);
    this.facts.delete(runId);
    await rm(fileOf(this.dir, runId), { force: true });
    return true;
  }

  /**
   * Removes every run recorded of a world (its world is deleted); one still recorded is ended first. Imported runs
   * stay: they belong to no world of this controller. Returns how many went.
   */
  async deleteWorld(worldId: string): Promise<number> {
    await this.end(worldId);
    const gone = [...this.runs.values()]
      .map((kept) => kept.summary)
      .filter((summary) => summary.worldId === worldId && !summary.imported);
    for (const { runId } of gone) {
      this.runs.delete(runId);
      this.facts.delete(runId);
      await rm(fileOf(this.dir, runId), { force: true });
    }
    return gone.length;
  }

  /** Saves an imported run (records already checked) under a new id: ended, read-only. */
  async import(records: RunRecord[], start: RunStartRecord): Promise<RunSummary> {
    const runId = newRunId();
    const lines: string[] = [];
    let frames = 0;
    let last = start.at;
    for (const record of records) {
      if (record.t === 'start') continue;
      if (record.t === 'end') last = Math.max(last, record.at);
      else {
        if (record.t === 'frame') frames++;
        last = Math.max(last, record.at);
        // a frame's line is written as the recorder writes it (t, at first): readers find frames by that prefix
        lines.push(JSON.stringify(record.t === 'frame' ? { t: 'frame', at: record.at, frame: record.frame } : record));
      }
    }
    lines.unshift(JSON.stringify({ ...start, runId, imported: true } satisfies RunStartRecord));
    lines.push(JSON.stringify({ t: 'end', at: last } satisfies RunRecord));
    const text = `${lines.join('\n')}\n`;
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxRunBytes) {
      throw new RangeError(
        `the run is ${bytes} bytes once written, over the limit of ${this.limits.maxRunBytes} bytes for one run`,
      );
    }
    const handle = await open(fileOf(this.dir, runId), 'wx', 0o600);
    try {
      await handle.write(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    const summary: RunSummary = {
      runId,
      worldId: start.worldId,
      rev: start.rev,
      startedAt: start.at,
      endedAt: last,
      frames,
      bytes,
      imported: true,
    };
    this.runs.set(runId, { summary, bytes });
    await this.evict(runId);
    return { ...summary };
  }

  /** Writes what every running run holds (every FLUSH_INTERVAL_MS), then keeps the totals within the limits. */
  async flushAll(): Promise<void> {
    const flushes = [...this.recording.values()].map((recording) =>
      recording.flush().catch((error: unknown) => {
        // said once every so often, not every second
        if (this.failures++ % 60 === 0) this.onError(`could not write a run: ${(error as Error).message}`);
      }),
    );
    await Promise.all(flushes);
    await this.evict();
  }

  /** Total bytes of every run kept. */
  get totalBytes(): number {
    let total = 0;
    for (const kept of this.runs.values()) total += kept.bytes;
    return total;
  }

  /** Removes the oldest ended runs (never a running one, nor `keep`) while over a limit. */
  private async evict(keep?: string): Promise<void> {
    let total = this.totalBytes;
    if (total <= this.limits.maxTotalBytes && this.runs.size <= this.limits.maxRuns) return;
    const candidates = [...this.runs.values()]
      .filter((kept) => kept.summary.runId !== keep && !this.isRecording(kept.summary.runId))
      .sort((a, b) => a.summary.startedAt - b.summary.startedAt);
    let count = this.runs.size;
    for (const kept of candidates) {
      if (total <= this.limits.maxTotalBytes && count <= this.limits.maxRuns) break;
      this.runs.delete(kept.summary.runId);
      this.facts.delete(kept.summary.runId);
      total -= kept.bytes;
      count--;
      await rm(fileOf(this.dir, kept.summary.runId), { force: true }).catch((error: unknown) =>
        this.onError(`could not remove run ${kept.summary.runId}: ${(error as Error).message}`),
      );
    }
  }
}

/** A kept run's summary from its file: frames counted by their line's start, the end read from its last line. */
async function summarize(path: string): Promise<Kept> {
  const text = await readFile(path, 'utf8');
  const bytes = (await stat(path)).size;
  const lines = text.split('\n').filter((line) => line !== '');
  const start = JSON.parse(lines[0] ?? '') as RunStartRecord;
  if (start.t !== 'start') throw new Error('its first line is not the start of a run');
  let last = start.at;
  let ended: number | null = null;
  // the last whole line says when it ended (or, after a crash, when it last recorded something); a torn last
  // line (a write cut by a kill) is left out
  while (lines.length > 1) {
    try {
      const record = JSON.parse(lines[lines.length - 1] as string) as RunRecord;
      if (record.t === 'end') ended = record.at;
      last = record.at;
      break;
    } catch {
      lines.pop();
    }
  }
  let frames = 0;
  let truncated = false;
  for (const line of lines) {
    if (line.startsWith('{"t":"frame"')) frames++;
    else if (line.startsWith('{"t":"truncated"')) truncated = true;
  }
  const summary: RunSummary = {
    runId: start.runId,
    worldId: start.worldId,
    rev: start.rev,
    startedAt: start.at,
    endedAt: ended ?? last,
    frames,
    bytes,
  };
  if (start.imported) summary.imported = true;
  if (ended === null) summary.interrupted = true;
  if (truncated) summary.truncated = true;
  return { summary, bytes };
}
