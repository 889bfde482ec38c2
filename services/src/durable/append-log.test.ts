// The append-only log on real files: what is acknowledged is read back, a torn or corrupt tail is cut off,
// compaction keeps the state, a reset empties it, and appends made together share a sync.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppendLog, readRecords } from './append-log.js';
import { KeyValueStore, LimitError } from './key-value.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dw-log-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A log whose state is the list of its records' texts. */
async function textLog(file: string, compactAtBytes?: number) {
  const state: string[] = [];
  const log = await AppendLog.open({
    file,
    onRecord: (p) => state.push(p.toString()),
    snapshot: () => state.map((s) => Buffer.from(s)),
    liveBytes: () => state.reduce((n, s) => n + s.length + 8, 0),
    ...(compactAtBytes !== undefined ? { compactAtBytes } : {}),
  });
  return { log, state };
}

describe('an append-only log', () => {
  it('reads back every acknowledged record, in order, after it is reopened', async () => {
    const file = join(dir(), 'x.log');
    const { log } = await textLog(file);
    const applied: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.append(Buffer.from(`r${i}`), () => applied.push(`r${i}`))),
    );
    expect(applied).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    await log.close();
    const again = await textLog(file);
    expect(again.state).toEqual(applied);
    expect(again.log.recovered).toMatchObject({ records: 50, cutBytes: 0 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await again.log.close();
  });

  it('cuts off a torn last record and a corrupt one, and appends after what is whole', async () => {
    const file = join(dir(), 'x.log');
    const { log } = await textLog(file);
    await log.append(Buffer.from('first'));
    await log.append(Buffer.from('second'));
    await log.close();
    const whole = readFileSync(file).length;
    // a record whose write was cut short by a crash: its header says 100 bytes, 10 follow
    const torn = Buffer.alloc(8 + 10);
    torn.writeUInt32LE(100, 0);
    appendFileSync(file, torn);
    const reopened = await textLog(file);
    expect(reopened.state).toEqual(['first', 'second']);
    expect(reopened.log.recovered.cutBytes).toBe(18);
    expect(readFileSync(file).length).toBe(whole);
    await reopened.log.append(Buffer.from('third'));
    await reopened.log.close();
    // a last record whose bytes are wrong (checksum): cut too
    const data = readFileSync(file);
    data[data.length - 1] = (data[data.length - 1] as number) ^ 0xff;
    writeFileSync(file, data);
    const last = await textLog(file);
    expect(last.state).toEqual(['first', 'second']);
    expect(last.log.recovered.cutBytes).toBe(8 + 'third'.length);
    await last.log.close();
  });

  it('compacts into the snapshot when it grows, and reads the same state back', async () => {
    const file = join(dir(), 'x.log');
    const state = new Map<string, string>();
    const open = () =>
      AppendLog.open({
        file,
        onRecord: (p) => {
          const [k, v] = p.toString().split('=');
          state.set(k as string, v as string);
        },
        snapshot: () => [...state].map(([k, v]) => Buffer.from(`${k}=${v}`)),
        liveBytes: () => [...state].reduce((n, [k, v]) => n + k.length + v.length + 9, 0),
        compactAtBytes: 4096,
      });
    const log = await open();
    // 10 keys overwritten 200 times each: far more log than state
    for (let round = 0; round < 200; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          log.append(Buffer.from(`k${k}=${round}`), () => state.set(`k${k}`, String(round))),
        ),
      );
    }
    expect(log.compactions).toBeGreaterThan(0);
    expect(log.size).toBeLessThan(4096 * 2);
    await log.close();
    expect(readdirSync(join(file, '..'))).toEqual(['x.log']);
    const before = new Map(state);
    state.clear();
    const again = await open();
    expect(state).toEqual(before);
    expect(state.get('k3')).toBe('199');
    await again.close();
  });

  it('a reset empties it on disk, after what was appended before', async () => {
    const file = join(dir(), 'x.log');
    const { log } = await textLog(file);
    void log.append(Buffer.from('a'));
    let emptied = false;
    await log.reset(() => {
      emptied = true;
    });
    expect(emptied).toBe(true);
    await log.append(Buffer.from('b'));
    await log.close();
    expect((await textLog(file)).state).toEqual(['b']);
  });

  it('writes records appended together with one sync (group commit)', async () => {
    const file = join(dir(), 'x.log');
    const { log } = await textLog(file);
    let syncs = 0;
    const handle = (log as unknown as { handle: { datasync(): Promise<void> } }).handle;
    const datasync = handle.datasync.bind(handle);
    handle.datasync = () => {
      syncs++;
      return datasync();
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(Buffer.from(`r${i}`))));
    // the first goes alone; everything appended while it was syncing goes in the next write
    expect(syncs).toBeLessThanOrEqual(3);
    await log.close();
  });

  it('readRecords stops at a length beyond the sanity bound', () => {
    const data = Buffer.alloc(16);
    data.writeUInt32LE(0xffffffff, 0);
    expect(readRecords(data, () => {})).toEqual({ good: 0, records: 0 });
  });
});

describe('a key-value store on its log', () => {
  const limits = { maxKeys: 3, maxValueBytes: 10, maxBytes: 40, maxKeyBytes: 256 };

  it('keeps what was written and deleted across a reopen', async () => {
    const d = dir();
    const store = await KeyValueStore.open(d, limits);
    expect(await store.put('a', Buffer.from('1'))).toBe('created');
    expect(await store.put('a', Buffer.from('22'))).toBe('replaced');
    await store.put('b', Buffer.from('3'));
    expect(await store.delete('b')).toBe(true);
    expect(await store.delete('b')).toBe(false);
    await store.close();
    const again = await KeyValueStore.open(d, limits);
    expect(again.get('a')?.toString()).toBe('22');
    expect(again.get('b')).toBeUndefined();
    expect(again.bytes).toBe(3);
    expect(again.keys(undefined, 10)).toEqual({ keys: [{ key: 'a', bytes: 2 }] });
    await again.close();
  });

  it('refuses what its limits do not allow, saying which', async () => {
    const store = await KeyValueStore.open(dir(), limits);
    await expect(store.put('big', Buffer.alloc(11))).rejects.toMatchObject({ status: 413, code: 'too-large' });
    await Promise.all(['a', 'b', 'c'].map((k) => store.put(k, Buffer.from('x'))));
    const full = await store.put('d', Buffer.from('x')).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(LimitError);
    expect(full).toMatchObject({ status: 507, code: 'store-full' });
    expect((full as Error).message).toMatch(/maximum of 3 keys/);
    // replacing a key that is there still works
    expect(await store.put('a', Buffer.from('y'))).toBe('replaced');
    await store.close();
  });
});
