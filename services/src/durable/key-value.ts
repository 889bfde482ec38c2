// A store's keys and values: in memory for reads, and in an append-only log (./append-log.ts) that every write
// reaches, fsync'ed, before it is acknowledged and before it is visible to a read. Bounded: keys, value size and
// bytes in all, refused with a LimitError that says which.
import { join } from 'node:path';
import { AppendLog, type Log } from './append-log.js';

const PUT = 1;
const DELETE = 2;
/** Bytes a record costs besides its key and value (framing, op, key length). */
const RECORD_OVERHEAD = 8 + 3;

export interface KeyValueLimits {
  maxKeys: number;
  maxValueBytes: number;
  maxBytes: number;
  maxKeyBytes: number;
}

/** A write refused by a limit: 413 for one value too large, 507 for a store that is full. */
export class LimitError extends Error {
  constructor(
    readonly status: 413 | 507,
    readonly code: 'too-large' | 'store-full',
    message: string,
  ) {
    super(message);
  }
}

function encode(op: number, key: Buffer, value?: Buffer): Buffer {
  const out = Buffer.allocUnsafe(3 + key.length + (value?.length ?? 0));
  out.writeUInt8(op, 0);
  out.writeUInt16LE(key.length, 1);
  key.copy(out, 3);
  value?.copy(out, 3 + key.length);
  return out;
}

export class KeyValueStore {
  private readonly data = new Map<string, Buffer>();
  /** Bytes of keys and values held. */
  bytes = 0;
  /** Writes accepted and not yet on disk: what they may add, held against the limits meanwhile. */
  private pendingKeys = 0;
  private pendingBytes = 0;
  private log!: Log;

  private constructor(private readonly limits: KeyValueLimits) {}

  /** Opens (or creates) the store in `dir`, reading back every write that reached the disk. */
  static async open(dir: string, limits: KeyValueLimits, compactAtBytes?: number): Promise<KeyValueStore> {
    const store = new KeyValueStore(limits);
    store.log = await AppendLog.open({
      file: join(dir, 'store.log'),
      onRecord: (payload) => store.apply(payload),
      snapshot: () => store.snapshot(),
      liveBytes: () => store.bytes + store.data.size * RECORD_OVERHEAD,
      ...(compactAtBytes !== undefined ? { compactAtBytes } : {}),
    });
    return store;
  }

  get recovered() {
    return this.log.recovered;
  }

  get logBytes(): number {
    return this.log.size;
  }

  get compactions(): number {
    return this.log.compactions;
  }

  get size(): number {
    return this.data.size;
  }

  get(key: string): Buffer | undefined {
    return this.data.get(key);
  }

  /** Writes a value; resolves once it is on disk (and visible), with whether the key is new. */
  async put(key: string, value: Buffer): Promise<'created' | 'replaced'> {
    const k = Buffer.from(key, 'utf8');
    const { maxKeys, maxValueBytes, maxBytes } = this.limits;
    if (value.length > maxValueBytes) {
      throw new LimitError(413, 'too-large', `a value is at most ${maxValueBytes} bytes, not ${value.length}`);
    }
    const old = this.data.get(key);
    const isNew = old === undefined;
    if (isNew && this.data.size + this.pendingKeys >= maxKeys) {
      throw new LimitError(507, 'store-full', `the store holds its maximum of ${maxKeys} keys: delete some first`);
    }
    const adds = k.length + value.length;
    if (this.bytes + this.pendingBytes + adds - (old ? k.length + old.length : 0) > maxBytes) {
      throw new LimitError(
        507,
        'store-full',
        `the store holds ${this.bytes} of its ${maxBytes} bytes: a value of ${value.length} bytes does not fit`,
      );
    }
    if (isNew) this.pendingKeys++;
    this.pendingBytes += adds;
    let created = false;
    try {
      await this.log.append(encode(PUT, k, value), () => {
        created = !this.data.has(key);
        this.set(key, value);
      });
    } finally {
      if (isNew) this.pendingKeys--;
      this.pendingBytes -= adds;
    }
    return created ? 'created' : 'replaced';
  }

  /** Deletes a key; resolves once that is on disk, with whether it was there. */
  async delete(key: string): Promise<boolean> {
    if (!this.data.has(key)) return false;
    let deleted = false;
    await this.log.append(encode(DELETE, Buffer.from(key, 'utf8')), () => {
      deleted = this.remove(key);
    });
    return deleted;
  }

  /** Keys in order after `after` (exclusive), at most `limit`, with their sizes; `next` when more follow. */
  keys(after: string | undefined, limit: number): { keys: { key: string; bytes: number }[]; next?: string } {
    const sorted = [...this.data.keys()].sort();
    let start = 0;
    if (after !== undefined) {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((sorted[mid] as string) <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page = sorted.slice(start, start + limit);
    const keys = page.map((key) => ({ key, bytes: (this.data.get(key) as Buffer).length }));
    const last = page[page.length - 1];
    return start + limit < sorted.length && last !== undefined ? { keys, next: last } : { keys };
  }

  /** Forgets every key, on disk too; resolves with how many there were. */
  async clear(): Promise<number> {
    let removed = 0;
    await this.log.reset(() => {
      removed = this.data.size;
      this.data.clear();
      this.bytes = 0;
    });
    return removed;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private set(key: string, value: Buffer): void {
    const old = this.data.get(key);
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (old) this.bytes -= keyBytes + old.length;
    this.data.set(key, value);
    this.bytes += keyBytes + value.length;
  }

  private remove(key: string): boolean {
    const old = this.data.get(key);
    if (!old) return false;
    this.data.delete(key);
    this.bytes -= Buffer.byteLength(key, 'utf8') + old.length;
    return true;
  }

  /** One record read back at open. */
  private apply(payload: Buffer): void {
    const op = payload.readUInt8(0);
    const length = payload.readUInt16LE(1);
    const key = payload.toString('utf8', 3, 3 + length);
    // a copy: the file's buffer is let go once it is read
    if (op === PUT) this.set(key, Buffer.from(payload.subarray(3 + length)));
    else if (op === DELETE) this.remove(key);
  }

  private *snapshot(): Iterable<Buffer> {
    for (const [key, value] of this.data) yield encode(PUT, Buffer.from(key, 'utf8'), value);
  }
}
