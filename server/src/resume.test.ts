// The built controller as a real process: no orphans after kill -9 (paused services included), and the worlds
// that were deployed come back when it starts again (unless told not to), with the certificate authority they had.
import { X509Certificate } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { DeployStatus, WorldSummary } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundles } from './testing/bundles.js';
import { type ControllerProcess, startControllerProcess } from './testing/controller-process.js';
import { ensureServiceRuntime } from './testing/service-runtime.js';
import { isAlive, tempDir, waitFor } from './testing/temp-app.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const owned: ControllerProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  ensureServiceRuntime();
  ensureBundles(serverDir, ['dist/main.js']);
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

/** Fails as soon as the world shows a deployment, polling for `windowMs` (a multiple of a measured resume). */
async function expectNothingDeployed(url: string, id: string, windowMs: number): Promise<void> {
  for (const until = Date.now() + windowMs; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const status = await statusOf(url, id);
    expect(status.rev, 'a deployment appeared').toBeNull();
    expect(status.services.every((s) => s.state === 'stopped')).toBe(true);
  }
}

/** The world's CA certificate as saved in the data directory. */
async function worldCa(dataDir: string, id: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(join(dataDir, 'pki', id, 'ca.crt')));
}

/** The leaf a running service presents to a TLS handshake. */
async function servedLeaf(url: string, id: string, serviceId: string): Promise<X509Certificate> {
  const port = (await statusOf(url, id)).services.find((s) => s.id === serviceId)?.port;
  if (!port) throw new Error(`${serviceId} has no port`);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: serviceId, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve(new X509Certificate(socket.getPeerCertificate().raw));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

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
    expect((await fetch(`${first.url}/api/worlds/${id}/deploy`, { method: 'POST' })).status).toBe(202);
    const before = await deployed(first.url, id);
    const ca = await worldCa(dataDir, id);
    const leafBefore = await servedLeaf(first.url, id, 'orders');
    expect(leafBefore.verify(ca.publicKey)).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(before.filter(isAlive)).toEqual([]);

    // Resumed: how long that takes here is the yardstick for the opt-out below.
    const second = await start(dataDir);
    const startedAt = Date.now();
    await waitFor('the resume', async () => ((await statusOf(second.url, id)).rev !== null ? true : undefined));
    const resumeMs = Date.now() - startedAt;
    const after = await deployed(second.url, id);
    expect(second.output()).toContain(`Resuming 1 deployed world(s): ${id}`);
    expect(after.every((pid) => !before.includes(pid))).toBe(true);
    // The same CA across the restart: on disk, and as the issuer of the leaf the resumed orders presents.
    expect((await worldCa(dataDir, id)).serialNumber).toBe(ca.serialNumber);
    const leafAfter = await servedLeaf(second.url, id, 'orders');
    expect(leafAfter.serialNumber).not.toBe(leafBefore.serialNumber);
    expect(leafAfter.verify(ca.publicKey)).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);

    const window = Math.max(2000, 10 * resumeMs);
    const optedOut = await start(dataDir, { DW_RESUME: '0' });
    await expectNothingDeployed(optedOut.url, id, window);
    optedOut.child.kill('SIGTERM');
    await optedOut.exited();

    // Opting out once forgets nothing: the next start resumes it. Stop means stopped: the one after does not.
    const third = await start(dataDir);
    await deployed(third.url, id);
    expect((await fetch(`${third.url}/api/worlds/${id}/deploy`, { method: 'DELETE' })).status).toBe(200);
    third.child.kill('SIGTERM');
    await third.exited();
    const fourth = await start(dataDir);
    await expectNothingDeployed(fourth.url, id, window);
    console.log(`resume: ${resumeMs} ms to resume; nothing deployed for ${window} ms with DW_RESUME=0 or after Stop`);
  }, 120_000);
});
