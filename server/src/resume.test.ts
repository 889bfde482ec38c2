// The built controller as a real process: no orphans after kill -9 (paused services included), and the worlds
// that were deployed come back when it starts again (unless told not to).
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DeployStatus, WorldSummary } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ControllerProcess, startControllerProcess } from './testing/controller-process.js';
import { ensureServiceRuntime } from './testing/service-runtime.js';
import { isAlive, tempDir, waitFor } from './testing/temp-app.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const owned: ControllerProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  ensureServiceRuntime();
  execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
});

afterEach(async () => {
  for (const c of owned.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited();
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const c = await startControllerProcess(dataDir, env);
  owned.push(c);
  return c;
}

async function exampleId(url: string): Promise<string> {
  const [example] = (await (await fetch(`${url}/api/worlds`)).json()) as WorldSummary[];
  if (!example) throw new Error('no example world');
  return example.id;
}

const statusOf = async (url: string, id: string) =>
  (await (await fetch(`${url}/api/worlds/${id}/deploy`)).json()) as DeployStatus;

async function deployed(url: string, id: string): Promise<number[]> {
  const status = await waitFor(
    'the example world ready',
    async () => {
      const s = await statusOf(url, id);
      return s.rev !== null && s.services.every((x) => x.state === 'ready') ? s : undefined;
    },
    20_000,
  );
  return status.services.map((s) => s.pid as number);
}

describe('the controller process', () => {
  it('leaves no orphans after kill -9, even of a paused (SIGSTOPped) service', async () => {
    const dataDir = await tempDir('dw-orphans-');
    dirs.push(dataDir);
    const c = await start(dataDir);
    const id = await exampleId(c.url);
    expect((await fetch(`${c.url}/api/worlds/${id}/deploy`, { method: 'POST' })).status).toBe(202);
    const pids = await deployed(c.url, id);
    const pause = await fetch(`${c.url}/api/worlds/${id}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'pause', serviceId: 'payments' }),
    });
    expect(pause.status).toBe(201);
    await waitFor('payments paused', async () =>
      (await statusOf(c.url, id)).services.find((s) => s.id === 'payments')?.state === 'paused' ? true : undefined,
    );
    c.child.kill('SIGKILL');
    await c.exited();
    const killedAt = Date.now();
    await waitFor('every service process gone', () => (pids.some(isAlive) ? undefined : true), 2000);
    console.log(`kill -9 of the controller: all ${pids.length} services gone after ${Date.now() - killedAt} ms`);
  }, 60_000);

  it('resumes the worlds that were deployed when it starts again, unless DW_RESUME=0; Stop forgets them', async () => {
    const dataDir = await tempDir('dw-resume-');
    dirs.push(dataDir);
    const first = await start(dataDir);
    const id = await exampleId(first.url);
    await fetch(`${first.url}/api/worlds/${id}/deploy`, { method: 'POST' });
    const before = await deployed(first.url, id);
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(before.filter(isAlive)).toEqual([]);

    const optedOut = await start(dataDir, { DW_RESUME: '0' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await statusOf(optedOut.url, id)).rev).toBeNull();
    optedOut.child.kill('SIGTERM');
    await optedOut.exited();

    const second = await start(dataDir);
    const after = await deployed(second.url, id);
    expect(second.output()).toContain(`Resuming 1 deployed world(s): ${id}`);
    expect(after.every((pid) => !before.includes(pid))).toBe(true);
    // Stop means stopped: the next start leaves it alone
    expect((await fetch(`${second.url}/api/worlds/${id}/deploy`, { method: 'DELETE' })).status).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited();
    const third = await start(dataDir);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await statusOf(third.url, id)).rev).toBeNull();
  }, 90_000);
});
