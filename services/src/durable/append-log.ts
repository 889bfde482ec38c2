// An append-only log of records on disk, for the kinds that keep data (a queue's messages, a store's keys).
//
// - A record is framed as [length u32 LE][crc32 u32 LE][payload]. Reading it back at start stops at the first
//   record that is cut short or whose checksum does not match (a write torn by a crash), and the file is cut
//   there, so what follows is appended to records that are whole.
// - append() resolves once the record is on disk (written and fdatasync'ed): the caller acknowledges only then.
//   Records appended while a write is in flight go together in the next one (group commit): one fdatasync for
//   all of them, so the rate of durable records is not bounded by the disk's sync latency.
// - `onDurable` runs synchronously, in the order the records were appended, right after they are on disk and
//   before anything else is written: the owner applies a record to its memory there, so its memory is always
//   exactly the records on disk, in order.
// - When the file has grown past `compactAtBytes` and to more than twice what is live, it is rewritten from the
//   owner's snapshot: into a temporary file, fsync'ed, renamed over the log, the directory fsync'ed. A crash in
//   the middle leaves the old log or the new one, never half of each.
import { closeSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const HEADER = 8;
/** A record's payload is at most this large (a sanity bound: a corrupt length beyond it ends the log). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const TEMP_SUFFIX = '.compacting';

export interface Recovered {
  records: number;
  /** Bytes cut off the end: a torn or corrupt tail. */
  cutBytes: number;
  bytes: number;
}

export interface AppendLogOptions {
  /** The log's file. */
  file: string;
  /** Every record already in the file, in order, at open. */
  onRecord(payload: Buffer): void;
  /** The records that make up the current state, for a compaction. */
  snapshot(): Iterable<Buffer>;
  /** About how many bytes the live state takes as records (compaction happens when the file is twice that). */
  liveBytes(): number;
  /** No compaction below this size (default 4 MiB). */
  compactAtBytes?: number;
}

interface Pending {
  frame: Buffer;
  onDurable: (() => void) | undefined;
  resolve(): void;
  reject(error: Error): void;
}

type Job = { kind: 'append'; entry: Pending } | { kind: 'reset'; done: () => void; reject(error: Error): void };

function frameOf(payload: Buffer): Buffer {
  if (payload.length > MAX_RECORD_BYTES) throw new Error(`a record is at most ${MAX_RECORD_BYTES} bytes`);
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER);
  return frame;
}

/** Reads the records of `data` in order; returns how many bytes of it are whole records. */
export function readRecords(data: Buffer, onRecord: (payload: Buffer) => void): { good: number; records: number } {
  let offset = 0;
  let records = 0;
  while (offset + HEADER <= data.length) {
    const length = data.readUInt32LE(offset);
    if (length > MAX_RECORD_BYTES || offset + HEADER + length > data.length) break;
    const payload = data.subarray(offset + HEADER, offset + HEADER + length);
    if (crc32(payload) !== data.readUInt32LE(offset + 4)) break;
    onRecord(payload);
    records++;
    offset += HEADER + length;
  }
  return { good: offset, records };
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class AppendLog {
  private handle: FileHandle | undefined;
  private jobs: Job[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private broken: Error | undefined;
  private readonly compactAt: number;
  /** Bytes in the file now. */
  size = 0;
  /** Compactions since it opened. */
  compactions = 0;
  readonly recovered: Recovered;

  private constructor(
    private readonly options: AppendLogOptions,
    recovered: Recovered,
  ) {
    this.recovered = recovered;
    this.size = recovered.bytes;
    this.compactAt = options.compactAtBytes ?? 4 * 1024 * 1024;
  }

  /** Reads the log (cutting a torn tail off) and opens it for appending. The directory must exist. */
  static async open(options: AppendLogOptions): Promise<AppendLog> {
    const dir = join(options.file, '..');
    // A compaction that a crash interrupted left its temporary file: the log itself is whole.
    const base = options.file.slice(dir.length + 1);
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${base}.`) && name.endsWith(TEMP_SUFFIX)) rmSync(join(dir, name), { force: true });
    }
    let data: Buffer;
    try {
      data = readFileSync(options.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      data = Buffer.alloc(0);
    }
    const { good, records } = readRecords(data, options.onRecord);
    const cutBytes = data.length - good;
    const fd = openSync(options.file, 'a+', 0o600);
    try {
      if (cutBytes > 0) {
        ftruncateSync(fd, good);
        fsyncSync(fd);
      }
    } finally {
      closeSync(fd);
    }
    if (data.length === 0) fsyncDir(dir); // a new file: its name is on disk too
    const log = new AppendLog(options, { records, cutBytes, bytes: good });
    log.handle = await open(options.file, 'a', 0o600);
    return log;
  }

  /**
   * Appends one record; resolves once it is on disk. `onDurable` runs just before, in append order (apply the
   * record to memory there). Rejects when the log could not be written (the disk is full...) or is closed.
   */
  append(payload: Buffer, onDurable?: () => void): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the log is closed'));
    const frame = frameOf(payload);
    return new Promise((resolve, reject) => {
      this.jobs.push({ kind: 'append', entry: { frame, onDurable, resolve, reject } });
      this.kick();
    });
  }

  /** Empties the log (after what was appended before it); `onReset` runs once it is empty on disk. */
  reset(onReset: () => void): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the log is closed'));
    return new Promise((resolve, reject) => {
      this.jobs.push({
        kind: 'reset',
        done: () => {
          onReset();
          resolve();
        },
        reject,
      });
      this.kick();
    });
  }

  /** Writes what was appended, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private kick(): void {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      if (this.jobs.length > 0 && !this.broken) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.jobs.length > 0 && !this.broken) {
      const next = this.jobs[0] as Job;
      if (next.kind === 'reset') {
        this.jobs.shift();
        try {
          await this.truncate();
          next.done();
        } catch (error) {
          this.fail(error as Error);
          next.reject(error as Error);
        }
        continue;
      }
      // every append up to the next reset, in one write and one sync
      let end = 0;
      while (end < this.jobs.length && (this.jobs[end] as Job).kind === 'append') end++;
      const batch = this.jobs.splice(0, end).map((j) => (j as { entry: Pending }).entry);
      const bytes = Buffer.concat(batch.map((p) => p.frame));
      try {
        const handle = this.handle as FileHandle;
        await handle.write(bytes);
        await handle.datasync();
      } catch (error) {
        for (const p of batch) p.reject(error as Error);
        this.fail(error as Error);
        return;
      }
      this.size += bytes.length;
      for (const p of batch) {
        p.onDurable?.();
        p.resolve();
      }
      if (this.size >= this.compactAt && this.size > 2 * this.options.liveBytes()) {
        try {
          await this.compact();
        } catch (error) {
          // The old log is still whole and still the log: go on appending to it.
          process.stderr.write(`[dw:log] compaction of ${this.options.file} failed: ${(error as Error).message}\n`);
        }
      }
    }
  }

  private fail(error: Error): void {
    this.broken = new Error(`the log ${this.options.file} cannot be written: ${error.message}`);
    for (const job of this.jobs.splice(0)) {
      if (job.kind === 'append') job.entry.reject(this.broken);
      else job.reject(this.broken);
    }
  }

  private async truncate(): Promise<void> {
    const handle = this.handle as FileHandle;
    await handle.truncate(0);
    await handle.sync();
    this.size = 0;
  }

  /** Rewrites the log from the owner's snapshot (taken now: every record on disk is applied, none is pending). */
  private async compact(): Promise<void> {
    const file = this.options.file;
    const temp = `${file}.${process.pid}${TEMP_SUFFIX}`;
    const out = await open(temp, 'w', 0o600);
    let size = 0;
    try {
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      for (const payload of this.options.snapshot()) {
        const frame = frameOf(payload);
        chunk.push(frame);
        chunkBytes += frame.length;
        if (chunkBytes >= 1024 * 1024) {
          await out.write(Buffer.concat(chunk));
          size += chunkBytes;
          chunk = [];
          chunkBytes = 0;
        }
      }
      if (chunkBytes > 0) await out.write(Buffer.concat(chunk));
      size += chunkBytes;
      await out.sync();
    } catch (error) {
      await out.close().catch(() => {});
      rmSync(temp, { force: true });
      throw error;
    }
    await out.close();
    await rename(temp, file);
    fsyncDir(join(file, '..'));
    const old = this.handle as FileHandle;
    this.handle = await open(file, 'a', 0o600);
    await old.close().catch(() => {});
    this.size = size;
    this.compactions++;
  }
}

/** The same interface in memory only (a queue whose world says it need not survive a restart). */
export class MemoryLog {
  readonly recovered: Recovered = { records: 0, cutBytes: 0, bytes: 0 };
  size = 0;
  compactions = 0;
  append(_payload: Buffer, onDurable?: () => void): Promise<void> {
    onDurable?.();
    return Promise.resolve();
  }
  reset(onReset: () => void): Promise<void> {
    onReset();
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export type Log = Pick<AppendLog, 'append' | 'reset' | 'close' | 'recovered' | 'size' | 'compactions'>;
