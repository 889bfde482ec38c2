// Deploy lifecycle with real processes: redeploys replace what changed, one deploy at a time per world, deleting a
// world stops it, closing the app ends every child.
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { DeployStatus, World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { isAlive, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp;
beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
});

async function createWorld(world: World = PAIR_WORLD): Promise<string> {
  return (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: world })).json().id;
}
const status = async (id: string): Promise<DeployStatus> => (await t.app.inject(`/api/worlds/${id}/deploy`)).json();
const deploy = async (id: string) => t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy` });
const allReady = (id: string, rev: number) =>
  waitFor(`rev ${rev} of ${id} ready`, async () => {
    const s = await status(id);
    return s.rev === rev && s.services.every((x) => x.state === 'ready') ? s : undefined;
  });
/** The leaf a service presents to a TLS handshake (read before the service asks for our certificate). */
function servedLeaf(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'callee', rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve(new X509Certificate(socket.getPeerCertificate().raw));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}
const pidsOf = (s: DeployStatus) => s.services.map((x) => x.pid).filter((p): p is number => p !== null);

describe('deployer', () => {
  it('shows a deploy that was asked for as starting, before it runs', async () => {
    const id = await createWorld();
    const response = await deploy(id);
    expect(response.statusCode).toBe(202);
    // Answered at once, before any process could be spawned, let alone ready: every service shows starting.
    const right = await status(id);
    expect(right.rev).toBe(1);
    expect(right.services.map((s) => [s.id, s.state, s.pid])).toEqual([
      ['caller', 'starting', null],
      ['callee', 'starting', null],
    ]);
    await allReady(id, 1);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  });

  it('redeploys the saved world: only the changed process is replaced, and it runs the new revision', async () => {
    const id = await createWorld();
    await deploy(id);
    const first = await allReady(id, 1);
    const faster: World = {
      ...PAIR_WORLD,
      services: PAIR_WORLD.services.map((s) => (s.kind === 'client' ? { ...s, config: { rps: 20 } } : s)),
    };
    const saved = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload: { rev: 1, world: faster } });
    expect(saved.statusCode).toBe(200);
    const response = await deploy(id);
    expect(response.json()).toEqual({ rev: 2 });
    const second = await allReady(id, 2);
    const pid = (s: DeployStatus, service: string) => s.services.find((x) => x.id === service)?.pid;
    expect(pid(second, 'callee')).toBe(pid(first, 'callee'));
    expect(pid(second, 'caller')).not.toBe(pid(first, 'caller'));
    expect(isAlive(pid(first, 'caller') as number)).toBe(false);
    expect(pidsOf(second).every(isAlive)).toBe(true);
    const dirs = (await readdir(join(t.dataDir, 'deployments'))).filter((d) => d.startsWith(id));
    expect(dirs).toHaveLength(1);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  });

  it('runs deploys of one world one at a time: after a burst, exactly one set of processes runs', async () => {
    const id = await createWorld();
    const burst = await Promise.all([deploy(id), deploy(id), deploy(id)]);
    expect(burst.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    await t.app.deployer.exclusive(id, async () => {}); // wait for the queue
    const s = await allReady(id, 1);
    expect(pidsOf(s)).toHaveLength(2);
    const deployments = (await readdir(join(t.dataDir, 'deployments'))).filter((d) => d.startsWith(id));
    expect(deployments).toHaveLength(1);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  });

  it('deploys different worlds at the same time', async () => {
    const [a, b] = [await createWorld(), await createWorld()];
    await Promise.all([deploy(a), deploy(b)]);
    const [sa, sb] = await Promise.all([allReady(a, 1), allReady(b, 1)]);
    expect([...pidsOf(sa), ...pidsOf(sb)].every(isAlive)).toBe(true);
    await Promise.all([a, b].map((id) => t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` })));
    expect([...pidsOf(sa), ...pidsOf(sb)].filter(isAlive)).toEqual([]);
  });

  it('stops a world before deleting it', async () => {
    const id = await createWorld();
    await deploy(id);
    const s = await allReady(id, 1);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}` });
    expect(deleted.statusCode).toBe(204);
    expect(pidsOf(s).filter(isAlive)).toEqual([]);
    expect((await t.app.inject(`/api/worlds/${id}/deploy`)).statusCode).toBe(404);
  });

  it('answers stop of a world that does not run with every service stopped', async () => {
    const id = await createWorld();
    const response = await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      rev: null,
      services: [
        { id: 'caller', state: 'stopped', pid: null, port: null },
        { id: 'callee', state: 'stopped', pid: null, port: null },
      ],
    });
  });

  it('keeps the CA of a world across Stop then Deploy, and across a redeploy that replaces every process', async () => {
    const id = await createWorld();
    const caFile = join(t.dataDir, 'pki', id, 'ca.crt');
    await deploy(id);
    const first = await allReady(id, 1);
    const ca = new X509Certificate(await readFile(caFile, 'utf8'));
    const served = (s: DeployStatus) => servedLeaf(s.services.find((x) => x.id === 'callee')?.port as number);
    const leaf1 = await served(first);
    expect(leaf1.verify(ca.publicKey)).toBe(true);

    // Stop, then Deploy: a new deployment, new processes and new leaves, from the same CA.
    expect((await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` })).json().rev).toBeNull();
    await deploy(id);
    const second = await allReady(id, 1);
    const leaf2 = await served(second);
    expect(pidsOf(second).some((pid) => pidsOf(first).includes(pid))).toBe(false);
    expect(leaf2.serialNumber).not.toBe(leaf1.serialNumber);

    // A new leaf lifetime replaces every process (not the no-op path of an unchanged world).
    const longer: World = { ...PAIR_WORLD, settings: { leafLifetimeMinutes: 120 } };
    const saved = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload: { rev: 1, world: longer } });
    expect(saved.statusCode, saved.body).toBe(200);
    await deploy(id);
    const third = await allReady(id, 2);
    const leaf3 = await served(third);
    expect(pidsOf(third).some((pid) => pidsOf(second).includes(pid))).toBe(false);
    expect(leaf3.serialNumber).not.toBe(leaf2.serialNumber);

    // The same CA all along: on disk (serial and key), and as the issuer of every leaf the services presented.
    const after = new X509Certificate(await readFile(caFile, 'utf8'));
    expect(after.serialNumber).toBe(ca.serialNumber);
    expect(after.fingerprint256).toBe(ca.fingerprint256);
    for (const leaf of [leaf2, leaf3]) expect(leaf.verify(ca.publicKey), leaf.serialNumber).toBe(true);
    await t.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
  });

  it('ends every child when the app closes', async () => {
    const other = await tempApp();
    await other.app.listen({ port: 0, host: '127.0.0.1' });
    const id = (await other.app.inject({ method: 'POST', url: '/api/worlds', payload: PAIR_WORLD })).json().id;
    await other.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy` });
    const s = await waitFor('ready', async () => {
      const x: DeployStatus = (await other.app.inject(`/api/worlds/${id}/deploy`)).json();
      return x.services.every((y) => y.state === 'ready') ? x : undefined;
    });
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(pidsOf(s).filter(isAlive)).toEqual([]);
  });
});
