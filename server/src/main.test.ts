// The built controller as `npm start` runs it: prints its URL, and its children never outlive it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type DeployStatus, EXAMPLE_WORLD, OBSERVE_ENV, type WorldSummary } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { composeForWorld } from './compose/compose-export.js';
import { rawRequest } from './testing/raw-http.js';
import { ensureServiceRuntime } from './testing/service-runtime.js';
import { freePort, isAlive, tempDir, waitFor } from './testing/temp-app.js';

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

/** Starts the built controller with these variables (over a clean slate of the access ones) and its output. */
async function runController(env: NodeJS.ProcessEnv, prefix: string) {
  const dataDir = await tempDir(prefix);
  const child = spawn(process.execPath, [bundle], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DW_ALLOW_REMOTE: '',
      DW_TOKEN: '',
      DW_HOSTS: '',
      DW_TELEMETRY_HOSTS: '',
      [OBSERVE_ENV]: '',
      ...env,
      DW_DATA: dataDir,
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
}

/** The pids of a process's children whose command line mentions `what` (Linux /proc). */
function childrenRunning(pid: number, what: string): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return children.filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(what);
    } catch {
      return false; // gone meanwhile
    }
  });
}

describe('the controller process in remote mode', () => {
  const token = 'a-remote-token-of-enough-length';

  it('starts nothing for POST /%61pi/worlds/<id>/deploy without the token, and answers /metrics only with it', async () => {
    const remote = await runController(
      { HOST: '127.0.0.2', DW_ALLOW_REMOTE: '1', DW_TOKEN: token },
      'dw-main-encoded-',
    );
    const [, port] = await waitFor(
      'the URL line',
      () => /running at http:\/\/127\.0\.0\.2:(\d+)\/#token=/.exec(remote.output()) ?? undefined,
      10_000,
    );
    const ask = (method: string, path: string, headers: Record<string, string> = {}) =>
      rawRequest('127.0.0.2', Number(port), method, path, headers);
    const auth = { authorization: `Bearer ${token}` };
    const [example] = JSON.parse((await ask('GET', '/api/worlds', auth)).body) as WorldSummary[];
    if (!example) throw new Error('no example world');
    for (const path of [
      `/%61pi/worlds/${example.id}/deploy`,
      `/%2561pi/worlds/${example.id}/deploy`,
      `/api/worlds/${example.id}/deploy/`,
    ]) {
      const answer = await ask('POST', path);
      expect(answer.status, path).toBe(401);
    }
    expect((await ask('GET', '/%61pi/worlds')).status).toBe(401);
    expect((await ask('GET', '/metrics')).status).toBe(401);
    expect((await ask('GET', '/metrics', auth)).status).toBe(200);
    expect((await ask('GET', '/')).status).toBe(200); // the editor loads, and then sends the token
    // give a deploy that got through time to spawn: nothing may run
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = JSON.parse((await ask('GET', `/api/worlds/${example.id}/deploy`, auth)).body) as DeployStatus;
    expect(status.rev).toBeNull();
    expect(status.services.map((s) => s.pid)).toEqual(status.services.map(() => null));
    expect(childrenRunning(remote.child.pid as number, 'services/dist/main.js')).toEqual([]);
  });

  it("with DW_HOSTS answers only to those names, and still takes its own services' telemetry", async () => {
    const remote = await runController(
      { HOST: '127.0.0.2', DW_ALLOW_REMOTE: '1', DW_TOKEN: token, DW_HOSTS: 'dw.lan' },
      'dw-main-hosts-',
    );
    const [, port] = await waitFor(
      'the URL line',
      () => /running at http:\/\/127\.0\.0\.2:(\d+)\/#token=/.exec(remote.output()) ?? undefined,
      10_000,
    );
    const ask = (method: string, path: string, host: string) =>
      rawRequest('127.0.0.2', Number(port), method, path, { host, authorization: `Bearer ${token}` });
    expect((await ask('GET', '/api/worlds', `127.0.0.2:${port}`)).status).toBe(403);
    const [example] = JSON.parse((await ask('GET', '/api/worlds', 'dw.lan:4400')).body) as WorldSummary[];
    if (!example) throw new Error('no example world');
    expect((await ask('POST', `/api/worlds/${example.id}/deploy`, 'dw.lan')).status).toBe(202);
    // calls are counted only from the services' telemetry, sent to http://127.0.0.2:<port>/api/telemetry
    await waitFor(
      'calls counted from telemetry',
      async () => {
        const metrics = (await ask('GET', '/metrics', 'dw.lan')).body;
        return /^dw_link_requests_total\{[^}]*\} [1-9]/m.test(metrics) ? true : undefined;
      },
      15_000,
      100,
    );
    expect((await ask('DELETE', `/api/worlds/${example.id}/deploy`, 'dw.lan')).status).toBe(200);
  });

  it('runs the compose observer from its exported environment: loopback names only, its service name for telemetry', async () => {
    const doc = composeForWorld({ worldId: 'shop-abc123', rev: 1, world: EXAMPLE_WORLD }) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const exported = doc.services['dw-observer']?.environment ?? {};
    const env = Object.fromEntries(Object.entries(exported).map(([k, v]) => [k, v.replaceAll('$$', '$')]));
    const port = await freePort();
    // as in its container, but on this machine's 127.0.0.2 rather than every address
    const observer = await runController({ ...env, HOST: '127.0.0.2', PORT: String(port) }, 'dw-main-observer-');
    await waitFor(
      'the observing line',
      () => (/is observing world/.test(observer.output()) ? true : undefined),
      10_000,
    );
    const ask = (method: string, path: string, headers: Record<string, string>, body?: string) =>
      rawRequest('127.0.0.2', port, method, path, headers, body);
    const auth = { authorization: `Bearer ${env.DW_TOKEN}` };
    expect((await ask('GET', '/api/worlds', { host: '127.0.0.1:4401', ...auth })).status).toBe(200);
    expect((await ask('GET', '/api/worlds', { host: 'localhost:4401' })).status).toBe(401);
    expect((await ask('GET', '/%61pi/worlds', { host: 'localhost:4401' })).status).toBe(401);
    expect((await ask('GET', '/metrics', { host: 'localhost:4401' })).status).toBe(401);
    const rebound = await ask('GET', '/api/worlds', { host: `evil.example:4401`, ...auth });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error).toBe('forbidden-host');
    expect((await ask('GET', '/api/worlds', { host: 'dw-observer:4400', ...auth })).status).toBe(403);
    const telemetry = (host: string) =>
      ask('POST', '/api/telemetry', { host, 'content-type': 'application/json' }, '{}');
    expect((await telemetry('dw-observer:4400')).status).toBe(400); // reaches the route (its schema)
    expect((await telemetry('evil.example:4400')).status).toBe(403);
  });
});
