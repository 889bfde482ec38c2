// The built controller as `npm start` runs it: prints its URL, and its children never outlive it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DeployStatus, WorldSummary } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from './testing/service-runtime.js';
import { isAlive, tempDir, waitFor } from './testing/temp-app.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const started: { child: ChildProcess; dataDir: string }[] = [];

beforeAll(() => {
  ensureServiceRuntime();
  execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
});

afterEach(async () => {
  for (const { child, dataDir } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function startController(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const dataDir = await tempDir('dw-main-');
  const child = spawn(process.execPath, [bundle], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DW_DATA: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push({ child, dataDir });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = await waitFor('the URL line', () => /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 10_000);
  return { child, url, output: () => output };
}

async function deployExample(url: string): Promise<number[]> {
  const [example] = (await (await fetch(`${url}/api/worlds`)).json()) as WorldSummary[];
  if (!example) throw new Error('no example world');
  expect((await fetch(`${url}/api/worlds/${example.id}/deploy`, { method: 'POST' })).status).toBe(202);
  const status = await waitFor('the example world ready', async () => {
    const s = (await (await fetch(`${url}/api/worlds/${example.id}/deploy`)).json()) as DeployStatus;
    return s.rev !== null && s.services.every((x) => x.state === 'ready') ? s : undefined;
  });
  return status.services.map((s) => s.pid as number);
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('the controller process', () => {
  it('opens on the example world, and on SIGTERM stops every deployment and exits 0', async () => {
    const { child, url, output } = await startController();
    expect(output()).toContain(`Distributed World is running at ${url}`);
    const pids = await deployExample(url);
    expect(pids).toHaveLength(4);
    const at = Date.now();
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(Date.now() - at).toBeLessThan(3000);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('takes its children with it when it is killed outright', async () => {
    const { child, url } = await startController();
    const pids = await deployExample(url);
    child.kill('SIGKILL');
    await exited(child);
    await waitFor('every child gone', () => (pids.some(isAlive) ? undefined : true), 2000);
  });

  it('refuses to listen beyond loopback unless told to, and then wants its token on every API call', async () => {
    const dataDir = await tempDir('dw-main-remote-');
    const run = (env: NodeJS.ProcessEnv) => {
      const child = spawn(process.execPath, [bundle], {
        env: {
          ...process.env,
          PORT: '0',
          DW_DATA: dataDir,
          LOG_LEVEL: 'warn',
          DW_ALLOW_REMOTE: '',
          DW_TOKEN: '',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push({ child, dataDir });
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      return { child, output: () => output };
    };
    // 127.0.0.2 is still this machine, but not a name the controller answers to by default
    const refused = run({ HOST: '127.0.0.2' });
    expect(await exited(refused.child)).toBe(2);
    expect(refused.output()).toContain('DW_ALLOW_REMOTE=1');

    const remote = run({ HOST: '127.0.0.2', DW_ALLOW_REMOTE: '1' });
    const url = await waitFor(
      'the URL line with its token',
      () => /running at (http:\/\/127\.0\.0\.2:\d+)\/#token=([\w-]+)/.exec(remote.output()) ?? undefined,
      10_000,
    );
    const [, base, token] = url;
    expect((token ?? '').length).toBeGreaterThanOrEqual(24);
    expect((await fetch(`${base}/api/worlds`)).status).toBe(401);
    expect((await fetch(`${base}/api/worlds`, { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    expect((await fetch(`${base}/api/worlds`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200); // the editor itself loads, and then asks for the token
  });
});
