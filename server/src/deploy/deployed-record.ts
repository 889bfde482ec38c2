// Which worlds are deployed, kept in <data>/deployed.json so that a controller started again (after a crash,
// a reboot, or a clean shutdown) can resume them. A deploy adds its world, Stop removes it; shutting the
// controller down leaves the record alone: that is the point. Written atomically, one write at a time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { writeFileAtomic } from '../storage/atomic-write.js';

export const DeployedFile = Type.Object({
  worlds: Type.Array(Type.Object({ worldId: Type.String(), rev: Type.Integer(), at: Type.String() })),
});
export type DeployedFile = Static<typeof DeployedFile>;
export type DeployedEntry = DeployedFile['worlds'][number];

export class DeployedRecord {
  readonly path: string;
  private entries = new Map<string, DeployedEntry>();
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'deployed.json');
  }

  /** Reads the record; a missing file is an empty record, an unreadable one is reported and treated as empty. */
  async load(warn: (message: string) => void): Promise<DeployedEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      warn(`${this.path} is not JSON (${(error as Error).message}): no world is resumed`);
      return [];
    }
    if (!Value.Check(DeployedFile, value)) {
      warn(`${this.path} does not hold { worlds: [{ worldId, rev, at }] }: no world is resumed`);
      return [];
    }
    this.entries = new Map(value.worlds.map((w) => [w.worldId, w]));
    return value.worlds;
  }

  mark(worldId: string, rev: number): Promise<void> {
    this.entries.set(worldId, { worldId, rev, at: new Date().toISOString() });
    return this.save();
  }

  unmark(worldId: string): Promise<void> {
    if (!this.entries.delete(worldId)) return this.writing;
    return this.save();
  }

  private save(): Promise<void> {
    const body: DeployedFile = { worlds: [...this.entries.values()] };
    this.writing = this.writing
      .catch(() => {})
      .then(() => writeFileAtomic(this.path, `${JSON.stringify(body, null, 2)}\n`));
    return this.writing;
  }
}
