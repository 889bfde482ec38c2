// The command line as people run it: `node server/dist/cli.js export <world.json> --engine ...`.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { tempDir } from './testing/temp-app.js';
import { MESH_WORLD, PAIR_WORLD } from './testing/worlds.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const cli = join(serverDir, 'dist/cli.js');
let dir = '';

beforeAll(async () => {
  dir = await tempDir('dw-cli-');
  if (existsSync(cli)) return;
  const built = spawnSync(process.execPath, ['build.mjs'], { cwd: serverDir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`could not build the server bundles: ${built.stderr}`);
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function exportWith(world: unknown, ...args: string[]) {
  const file = join(dir, 'shop.json');
  writeFileSync(file, JSON.stringify(world));
  return spawnSync(process.execPath, [cli, 'export', file, ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('cli export --engine', () => {
  it('writes compose (the default), a swarm stack file, or Kubernetes manifests', () => {
    const compose = exportWith(MESH_WORLD);
    expect(compose.status, compose.stderr).toBe(0);
    expect(parse(compose.stdout).services.orders.depends_on).toBeDefined();
    const swarm = exportWith(MESH_WORLD, '--engine', 'swarm', '--image', 'x:1');
    expect(swarm.status, swarm.stderr).toBe(0);
    const stack = parse(swarm.stdout);
    expect(stack.version).toBe('3.8');
    expect(stack.services.orders).toMatchObject({ image: 'x:1', deploy: { endpoint_mode: 'dnsrr' } });
    const k8s = exportWith(MESH_WORLD, '--engine', 'kubernetes', '--namespace', 'shop', '--storage-class', 'fast');
    expect(k8s.status, k8s.stderr).toBe(0);
    const objects = parseAllDocuments(k8s.stdout).map((d) => d.toJS());
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'shop' } });
    expect(objects.find((o) => o.kind === 'PersistentVolumeClaim').spec.storageClassName).toBe('fast');
  });

  it('refuses an unknown engine, an option of another engine, and a world Kubernetes cannot name', () => {
    const unknown = exportWith(MESH_WORLD, '--engine', 'nomad');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--engine must be one of compose, swarm, kubernetes, not "nomad"/);
    const misplaced = exportWith(MESH_WORLD, '--engine', 'swarm', '--namespace', 'shop');
    expect(misplaced.status).toBe(2);
    expect(misplaced.stderr).toMatch(/--namespace is for --engine kubernetes, not swarm/);
    const digits = {
      ...PAIR_WORLD,
      services: PAIR_WORLD.services.map((s) => (s.id === 'callee' ? { ...s, id: '2fa' } : s)),
      links: [{ id: 'l1', from: 'caller', to: '2fa' }],
    };
    const refused = exportWith(digits, '--engine', 'kubernetes');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/\/services\/1\/id: "2fa" must start with a letter/);
    expect(refused.stdout).toBe('');
  });
});
