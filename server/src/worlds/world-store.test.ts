import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXAMPLE_WORLD, type WorldSummary } from '@dw/world';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { tempApp, tempDir } from '../testing/temp-app.js';
import { WorldStore } from './world-store.js';

const quiet = { info: () => {}, warn: () => {} };
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d;
}

describe('WorldStore', () => {
  it('keeps worlds across a restart', async () => {
    const dataDir = await dir();
    const first = await WorldStore.open(dataDir, quiet);
    const a = await first.create(structuredClone(EXAMPLE_WORLD));
    await first.update(a.id, 1, { ...EXAMPLE_WORLD, name: 'renamed' });
    const again = await WorldStore.open(dataDir, quiet);
    expect(again.get(a.id)).toMatchObject({ id: a.id, rev: 2, world: { name: 'renamed' } });
  });

  it('reports corrupt files at startup, skips them, and never deletes or reuses them', async () => {
    const dataDir = await dir();
    const worlds = join(dataDir, 'worlds');
    await mkdir(worlds, { recursive: true });
    const bad = {
      'half-written-aaaaaa.json': '{"id":"half-written-aaaaaa","rev":1,"upd',
      'wrong-id-bbbbbb.json': JSON.stringify({
        id: 'other',
        rev: 1,
        updatedAt: new Date().toISOString(),
        world: EXAMPLE_WORLD,
      }),
      'bad-world-cccccc.json': JSON.stringify({
        id: 'bad-world-cccccc',
        rev: 1,
        updatedAt: new Date().toISOString(),
        world: { ...EXAMPLE_WORLD, links: [{ id: 'l1', from: 'shopper', to: 'ghost' }] },
      }),
    };
    for (const [name, text] of Object.entries(bad)) await writeFile(join(worlds, name), text);
    const warnings: string[] = [];
    const store = await WorldStore.open(dataDir, { info: () => {}, warn: (m) => warnings.push(m) });
    expect(store.size).toBe(0);
    expect(store.skipped.map((s) => s.file).sort()).toEqual(
      Object.keys(bad)
        .map((n) => join(worlds, n))
        .sort(),
    );
    expect(warnings.join('\n')).toMatch(/half-written-aaaaaa\.json: not valid JSON/);
    expect(warnings.join('\n')).toMatch(/bad-world-cccccc\.json: the world is not valid: \/world\/links\/0\/to/);
    for (const [name, text] of Object.entries(bad)) expect(await readFile(join(worlds, name), 'utf8')).toBe(text);
  });

  it('seeds the example world into an empty data dir', async () => {
    const empty = await tempApp({ dataDir: await dir(), seedExample: true });
    const list: WorldSummary[] = (await empty.app.inject('/api/worlds')).json();
    expect(list).toHaveLength(1);
    expect(list[0]?.name).toBe('shop');
    const record = (await empty.app.inject(`/api/worlds/${list[0]?.id}`)).json();
    expect(record.world).toEqual(EXAMPLE_WORLD);
    await empty.app.close();
  });
});

describe('writeFileAtomic', () => {
  it('leaves the old content or the new one, never a mix, while many writes race', async () => {
    const d = await dir();
    const file = join(d, 'w.json');
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(50_000 + i) }));
    await writeFileAtomic(file, versions[0] as string);
    const reads: string[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        reads.push(await readFile(file, 'utf8'));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(0);
    for (const text of reads) expect(versions).toContain(text);
    expect(versions).toContain(await readFile(file, 'utf8'));
    expect((await readdir(d)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('removes its temporary file and leaves the target alone when the rename fails', async () => {
    const d = await dir();
    const target = join(d, 'in-the-way');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'kept');
    // the temp file is written and synced; renaming it over a non-empty directory fails
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect(await readFile(join(target, 'keep'), 'utf8')).toBe('kept');
    expect((await readdir(d)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes private files with mode 0600', async () => {
    const d = await dir();
    await writeFileAtomic(join(d, 'k.key'), 'secret', { mode: 0o600 });
    expect((await stat(join(d, 'k.key'))).mode & 0o777).toBe(0o600);
  });
});
