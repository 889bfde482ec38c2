// Persistence under the worst crash: the controller is killed with SIGKILL while saves are in flight, again and
// again. Every world file must still parse and hold exactly one of the versions that were sent, never a mix.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_WORLD, type World, type WorldRecord } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerProcess } from '../testing/controller-process.js';
import { tempDir, waitFor } from '../testing/temp-app.js';
import { seededRandom } from '../testing/world-generator.js';

const CYCLES = 6;
let dataDir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
  dataDir = await tempDir('dw-crash-');
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Version k of the world: its name says k, and it grows with k, so a torn write could not pass for another. */
function version(k: number): World {
  const world: World = JSON.parse(JSON.stringify(EXAMPLE_WORLD));
  world.name = `version ${k}`;
  for (let i = 0; i < k % 40; i++) {
    world.services.push({
      id: `extra-${i}`,
      kind: 'service',
      position: { x: k, y: i },
      config: { latencyMs: k % 100 },
    });
  }
  return world;
}

describe('saving while the controller is killed with SIGKILL', () => {
  it(`leaves every world file parseable and either the old or the new version, over ${CYCLES} kills`, async () => {
    const random = seededRandom(20261126);
    const sent = new Map<string, string>(); // rev -> JSON of the world sent for it, per world id
    const ids: string[] = [];
    let saves = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const controller = await startControllerProcess(dataDir);
      const api = (path: string, init?: RequestInit) =>
        fetch(`${controller.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
      if (ids.length === 0) {
        for (let w = 0; w < 3; w++) {
          const created = (await (
            await api('/api/worlds', { method: 'POST', body: JSON.stringify(version(0)) })
          ).json()) as WorldRecord;
          ids.push(created.id);
          sent.set(`${created.id}@1`, JSON.stringify(version(0)));
        }
      }
      // Every world is saved in a loop (bounded), each save based on the last answered rev; the kill lands
      // somewhere in the middle of it.
      const killAfterMs = 80 + Math.floor(random() * 400);
      let stop = false;
      // Read every record before the kill timer starts: on a loaded machine the kill could otherwise land first.
      const records = await Promise.all(
        ids.map(async (id) => (await (await api(`/api/worlds/${id}`)).json()) as WorldRecord),
      );
      const writers = ids.map(async (id, i) => {
        let record = records[i] as WorldRecord;
        for (let n = 0; n < 500 && !stop; n++) {
          const world = version(record.rev);
          sent.set(`${id}@${record.rev + 1}`, JSON.stringify(world));
          try {
            const response = await api(`/api/worlds/${id}`, {
              method: 'PUT',
              body: JSON.stringify({ rev: record.rev, world }),
            });
            if (response.status !== 200) throw new Error(`PUT answered ${response.status}: ${await response.text()}`);
            record = (await response.json()) as WorldRecord;
            saves++;
          } catch (error) {
            if (stop) return; // the connection died with the controller
            throw error;
          }
        }
      });
      // Saves are under way (a loaded machine may take a while to answer the first ones), then the kill lands.
      const savesBefore = saves;
      await waitFor('saves under way', () => (saves - savesBefore >= 12 ? true : undefined), 30_000, 5);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      stop = true;
      controller.child.kill('SIGKILL');
      await controller.exited();
      await Promise.all(writers);

      const files = (await readdir(join(dataDir, 'worlds'))).filter((f) => f.endsWith('.json'));
      for (const id of ids) {
        expect(files).toContain(`${id}.json`);
        const text = await readFile(join(dataDir, 'worlds', `${id}.json`), 'utf8');
        const stored = JSON.parse(text) as { id: string; rev: number; world: World };
        expect(stored.id).toBe(id);
        expect(JSON.stringify(stored.world), `${id} rev ${stored.rev} is the version sent for that rev`).toBe(
          sent.get(`${id}@${stored.rev}`),
        );
      }
    }
    // Saves really were under way when the kills landed: many per cycle, not a quiet file.
    expect(saves).toBeGreaterThan(CYCLES * 10);
    // And a controller started on what is left reads every world back.
    const controller = await startControllerProcess(dataDir);
    try {
      const listed = (await (await fetch(`${controller.url}/api/worlds`)).json()) as { id: string }[];
      expect(listed.map((w) => w.id)).toEqual(expect.arrayContaining(ids));
      expect(controller.output()).not.toMatch(/skipp|corrupt/i);
    } finally {
      controller.child.kill('SIGKILL');
      await controller.exited();
    }
  }, 120_000);
});
