// The saved worlds: one JSON file per world ({ id, rev, updatedAt, world }) in <data>/worlds, written
// atomically. Every write carries the revision it was based on; a stale one is refused with 409.
// Files that cannot be read at startup are reported and skipped, never deleted or overwritten.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { validateWorld, type World, WorldId, type WorldSummary } from '@dw/world';
import { KeyedQueue } from '../concurrency/keyed-queue.js';
import { HttpProblem, notFound } from '../http/errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../storage/atomic-write.js';
import { newWorldId } from './world-id.js';

export interface StoredWorld {
  id: string;
  rev: number;
  /** ISO 8601 */
  updatedAt: string;
  world: World;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface StoreLogger {
  info(message: string): void;
  warn(message: string): void;
}

const ID_PATTERN = new RegExp((WorldId as unknown as { pattern: string }).pattern);

/** Reads one world file; throws an Error whose message says what is wrong with it. */
function parseWorldFile(text: string, expectedId: string): StoredWorld {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a JSON object');
  const record = data as Record<string, unknown>;
  if (record.id !== expectedId) throw new Error(`"id" is ${JSON.stringify(record.id)}, not the file name's`);
  if (!Number.isInteger(record.rev) || (record.rev as number) < 1) throw new Error('"rev" is not a positive integer');
  if (typeof record.updatedAt !== 'string' || Number.isNaN(Date.parse(record.updatedAt)))
    throw new Error('"updatedAt" is not a date');
  const checked = validateWorld(record.world);
  if (!checked.ok) {
    const first = checked.problems[0];
    throw new Error(`the world is not valid: /world${first?.pointer ?? ''} ${first?.message ?? ''}`);
  }
  return { id: expectedId, rev: record.rev as number, updatedAt: record.updatedAt, world: checked.value };
}

export class WorldStore {
  private readonly worlds = new Map<string, StoredWorld>();
  /** Ids of files that exist but were skipped: never handed out again. */
  private readonly reserved = new Set<string>();
  private readonly writes = new KeyedQueue();
  readonly skipped: SkippedFile[] = [];

  private constructor(readonly dataDir: string) {}

  get worldsDir(): string {
    return join(this.dataDir, 'worlds');
  }

  /** Where a world's certificate authority lives. */
  pkiDir(id: string): string {
    return join(this.dataDir, 'pki', id);
  }

  get deploymentsDir(): string {
    return join(this.dataDir, 'deployments');
  }

  /** Where the nodes of a world that keep data (queues, stores) keep it: one directory each, 0700. */
  worldDataDir(id: string): string {
    return join(this.dataDir, 'worlds-data', id);
  }

  /** One node's data directory (its kind is durable); kept across deploys, removed with the world. */
  nodeDataDir(id: string, nodeId: string): string {
    return join(this.worldDataDir(id), nodeId);
  }

  private fileOf(id: string): string {
    return join(this.worldsDir, `${id}.json`);
  }

  static async open(dataDir: string, log: StoreLogger): Promise<WorldStore> {
    const store = new WorldStore(dataDir);
    await ensurePrivateDir(store.worldsDir);
    for (const name of (await readdir(store.worldsDir)).sort()) {
      if (name.startsWith('.') || !name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const file = join(store.worldsDir, name);
      try {
        if (!ID_PATTERN.test(id)) throw new Error('the file name is not a world id');
        store.worlds.set(id, parseWorldFile(await readFile(file, 'utf8'), id));
      } catch (error) {
        const reason = (error as Error).message;
        store.reserved.add(id);
        store.skipped.push({ file, reason });
        log.warn(`skipping ${file}: ${reason} (the file is left as it is)`);
      }
    }
    log.info(`loaded ${store.worlds.size} world(s) from ${store.worldsDir}`);
    return store;
  }

  /** Newest first. */
  list(): WorldSummary[] {
    return [...this.worlds.values()]
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id))
      .map(({ id, world, updatedAt }) => ({ id, name: world.name, updatedAt }));
  }

  get(id: string): StoredWorld | undefined {
    return this.worlds.get(id);
  }

  require(id: string): StoredWorld {
    const stored = this.worlds.get(id);
    if (!stored) throw notFound(`world "${id}"`);
    return stored;
  }

  get size(): number {
    return this.worlds.size;
  }

  private async persist(record: StoredWorld): Promise<void> {
    await writeFileAtomic(this.fileOf(record.id), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  }

  /** A timestamp after every other one, so "newest first" follows the order of writes. */
  private now(): string {
    let at = Date.now();
    for (const w of this.worlds.values()) at = Math.max(at, Date.parse(w.updatedAt) + 1);
    return new Date(at).toISOString();
  }

  async create(world: World): Promise<StoredWorld> {
    const id = newWorldId(world.name, (candidate) => this.worlds.has(candidate) || this.reserved.has(candidate));
    this.reserved.add(id); // held while the file is written
    try {
      const record: StoredWorld = { id, rev: 1, updatedAt: this.now(), world };
      await this.writes.run(id, () => this.persist(record));
      this.worlds.set(id, record);
      return record;
    } finally {
      this.reserved.delete(id);
    }
  }

  /** Saves `world` under a given id and revision, replacing what is there (the observer's world). */
  async adopt(id: string, rev: number, world: World): Promise<StoredWorld> {
    return this.writes.run(id, async () => {
      const record: StoredWorld = { id, rev, updatedAt: this.now(), world };
      await this.persist(record);
      this.worlds.set(id, record);
      return record;
    });
  }

  /** Saves `world` as the next revision after `baseRev`; 409 when someone saved in between. */
  update(id: string, baseRev: number, world: World): Promise<StoredWorld> {
    return this.writes.run(id, async () => {
      const current = this.require(id);
      if (current.rev !== baseRev) {
        const stale = new HttpProblem(
          409,
          'stale-rev',
          `world "${id}" is at rev ${current.rev}, but this edit was based on rev ${baseRev}: reload it and apply the edit again`,
        );
        stale.rev = current.rev;
        throw stale;
      }
      const record: StoredWorld = { id, rev: current.rev + 1, updatedAt: this.now(), world };
      await this.persist(record);
      this.worlds.set(id, record);
      return record;
    });
  }

  /** Removes the world file, its certificate authority and its nodes' data. */
  delete(id: string): Promise<void> {
    return this.writes.run(id, async () => {
      this.require(id);
      await rm(this.fileOf(id), { force: true });
      this.worlds.delete(id);
      await rm(this.pkiDir(id), { recursive: true, force: true });
      await rm(this.worldDataDir(id), { recursive: true, force: true });
    });
  }
}
