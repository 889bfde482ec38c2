// Real processes, real mTLS: one deployed world, poked from outside the way a person (or an attacker) could.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, issueLeaf } from '@dw/pki';
import {
  type ClientToServerEvents,
  type DeployStatus,
  HOPS_HEADER,
  type ServerToClientEvents,
  type ServiceStats,
  type ServiceStatusEvent,
  type SpawnConfig,
  TELEMETRY_TOKEN_HEADER,
  type TelemetryBatch,
  type TrafficFrame,
  type WatchAck,
} from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callService, refusedCall } from '../testing/mtls-client.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { isAlive, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { MESH_WORLD } from '../testing/worlds.js';

let t: TempApp;
let base: string;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];
const statuses: ServiceStatusEvent[] = [];
let deployMs = 0;

const api = async <T>(method: string, url: string): Promise<{ status: number; body: T }> => {
  const response = await t.app.inject({ method: method as 'GET', url });
  return { status: response.statusCode, body: response.json() as T };
};
const deployStatus = async () => (await api<DeployStatus>('GET', `/api/worlds/${worldId}/deploy`)).body;
const service = async (id: string) => {
  const found = (await deployStatus()).services.find((s) => s.id === id);
  if (!found) throw new Error(`no ${id} in the deploy status`);
  return found;
};

/** The first frame after now that satisfies `accept`. */
function nextFrame(what: string, accept: (frame: TrafficFrame) => boolean, timeoutMs = 3000): Promise<TrafficFrame> {
  const from = frames.length;
  return waitFor(what, () => frames.slice(from).find(accept), timeoutMs);
}

async function deploymentDir(): Promise<string> {
  const root = join(t.dataDir, 'deployments');
  const dirs = await readdir(root);
  expect(dirs).toHaveLength(1);
  return join(root, dirs[0] as string);
}

async function identityOf(serviceId: string) {
  const dir = await deploymentDir();
  return {
    cert: await readFile(join(dir, `${serviceId}.crt`), 'utf8'),
    key: await readFile(join(dir, `${serviceId}.key`), 'utf8'),
    ca: await readFile(join(dir, 'ca.crt'), 'utf8'),
  };
}

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}`;

  const created = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD });
  worldId = created.json().id;

  socket = io(base, { transports: ['websocket'], reconnection: false });
  socket.on('traffic:frame', (frame) => frames.push(frame));
  socket.on('service:status', (event) => statuses.push(event));
  const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId }, resolve));
  expect(ack).toEqual({ ok: true });

  const started = Date.now();
  const deploy = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` });
  expect(deploy.statusCode).toBe(202);
  expect(deploy.json()).toEqual({ rev: 1 });
  await waitFor(
    'every service ready',
    async () => ((await deployStatus()).services.every((s) => s.state === 'ready') ? true : undefined),
    15_000,
  );
  deployMs = Date.now() - started;
  console.log(`deploy of a 4-service world: ${deployMs} ms from POST to every service ready`);
});

afterAll(async () => {
  socket?.close();
  await t?.close();
});

describe('a deployed world', () => {
  it('runs every service as its own process, ready, with a pid and a port', async () => {
    const status = await deployStatus();
    expect(status.rev).toBe(1);
    expect(status.services.map((s) => s.id).sort()).toEqual(['inventory', 'orders', 'payments', 'shopper']);
    for (const s of status.services) {
      expect(s.state).toBe('ready');
      expect(isAlive(s.pid as number)).toBe(true);
      expect(s.port).toBeGreaterThan(0);
    }
    expect(new Set(status.services.map((s) => s.pid)).size).toBe(4);
    // the watcher heard each of them become ready (socket.io may deliver the last one just after the API says so)
    const readyIds = () => [...new Set(statuses.filter((s) => s.state === 'ready').map((s) => s.id))].sort();
    await waitFor('ready statuses over socket.io', () => (readyIds().length === 4 ? true : undefined), 2000);
    expect(readyIds()).toEqual(['inventory', 'orders', 'payments', 'shopper']);
    expect(deployMs).toBeLessThan(10_000);
  });

  it('keeps private keys readable only by their owner', async () => {
    const dir = await deploymentDir();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
      expect((await stat(join(dir, `${id}.key`))).mode & 0o777).toBe(0o600);
    }
    const pki = join(t.dataDir, 'pki', worldId);
    expect((await stat(pki)).mode & 0o777).toBe(0o700);
    expect((await stat(join(pki, 'ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(pki, 'ca.crt'))).mode & 0o777).toBe(0o600);
  });

  it('streams a frame every 200 ms with every link, every service, and real traffic on the links', async () => {
    const frame = await nextFrame('traffic on every link', (f) => f.links.every((l) => l.total.requests > 0), 5000);
    expect(frame.worldId).toBe(worldId);
    expect(frame.rev).toBe(1);
    expect(frame.links.map((l) => l.id)).toEqual(['l1', 'l2', 'l3']);
    // clients start once every service is ready: no call of a fresh deployment meets a callee that is not listening
    expect(frame.links.map((l) => [l.id, l.total.errors, l.total.refused])).toEqual([
      ['l1', 0, 0],
      ['l2', 0, 0],
      ['l3', 0, 0],
    ]);
    expect(frame.services.map((s) => s.id)).toEqual(['shopper', 'orders', 'payments', 'inventory']);
    const recent = frames.slice(-6);
    for (let i = 1; i < recent.length; i++) {
      const gap = (recent[i] as TrafficFrame).at - (recent[i - 1] as TrafficFrame).at;
      expect(gap).toBeGreaterThan(120);
      expect(gap).toBeLessThan(400);
    }
    console.log(`traffic:frame of a 4-service, 3-link world: ${JSON.stringify(frame).length} bytes of JSON`);
  });

  it('answers a linked caller with 200', async () => {
    const response = await callService(
      await service('payments').then((s) => s.port as number),
      'payments',
      await identityOf('orders'),
      {
        [HOPS_HEADER]: '4',
      },
    );
    expect(response.status).toBe(200);
  });

  it('answers 403 to a valid certificate of a service with no link, and the next frames show the refusal', async () => {
    const payments = await service('payments');
    const refused = nextFrame('the refusal in a frame', (f) =>
      f.refusals.some((r) => r.to === 'payments' && r.from === 'inventory' && r.reason === 'not-linked'),
    );
    const response = await callService(payments.port as number, 'payments', await identityOf('inventory'));
    expect(response.status).toBe(403);
    const frame = await refused;
    expect(frame.refusals.find((r) => r.from === 'inventory')?.count).toBe(1);
    // The same caller as seen by the callee's own stats
    const stats = await api<ServiceStats>('GET', `/api/worlds/${worldId}/deploy/services/payments/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.pid).toBe(payments.pid);
    expect(stats.body.refused).toBeGreaterThanOrEqual(1);
  });

  it('gives no HTTP answer at all to a TLS client without a certificate, and says why in the frames', async () => {
    const payments = await service('payments');
    const { ca } = await identityOf('orders');
    const reported = nextFrame('the refusal in a frame', (f) =>
      f.refusals.some((r) => r.to === 'payments' && r.from === null && r.reason === 'no-certificate'),
    );
    reported.catch(() => undefined); // awaited below, once the call has been judged
    const error = await refusedCall(callService(payments.port as number, 'payments', { ca }));
    // the handshake itself is refused, with TLS 1.3's alert for it (a hang would be a timeout instead)
    expect(error.code, error.message).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    await reported;
  });

  it('gives no HTTP answer at all to a certificate from another CA, and says why in the frames', async () => {
    const payments = await service('payments');
    const otherCa = await createCA({ worldId: 'elsewhere' });
    const stranger = await issueLeaf(otherCa, { worldId: worldId, serviceId: 'orders' });
    const { ca } = await identityOf('orders');
    const reported = nextFrame('the refusal in a frame', (f) =>
      f.refusals.some((r) => r.to === 'payments' && r.from === null && r.reason === 'unknown-ca'),
    );
    reported.catch(() => undefined); // awaited below, once the call has been judged
    const error = await refusedCall(
      callService(payments.port as number, 'payments', { cert: stranger.certPem, key: stranger.keyPem, ca }),
    );
    // Node checks a client certificate after the TLS 1.3 handshake and closes without an alert, or names it
    expect(['ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'], error.message).toContain(error.code);
    await reported;
  });

  it("shows the callee's own count of what it accepted, matching the totals of the live view", async () => {
    const before = frames.at(-1) as TrafficFrame;
    const stats = await api<ServiceStats>('GET', `/api/worlds/${worldId}/deploy/services/inventory/stats`);
    const after = await nextFrame('a later frame', (f) => f.at > before.at + 250);
    const accepted = stats.body.accepted.orders ?? 0;
    const shownBefore = before.links.find((l) => l.id === 'l3')?.total.requests ?? 0;
    const shownAfter = after.links.find((l) => l.id === 'l3')?.total.requests ?? 0;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThanOrEqual(shownBefore - 10);
    expect(accepted).toBeLessThanOrEqual(shownAfter + 10);
  });

  it('checks the telemetry token: 401 without, 403 with a wrong one; batches of stale pids are ignored', async () => {
    const shopper = await service('shopper');
    const config: SpawnConfig = JSON.parse(
      (await readFile(`/proc/${shopper.pid}/environ`, 'utf8'))
        .split('\0')
        .find((e) => e.startsWith('DW_SPAWN_CONFIG='))
        ?.slice('DW_SPAWN_CONFIG='.length) ?? 'null',
    );
    const batch = (pid: number): TelemetryBatch => ({
      worldId,
      serviceId: 'shopper',
      rev: 1,
      pid,
      seq: 1_000_000,
      at: Date.now(),
      windowMs: 100,
      ready: true,
      calls: [
        { linkId: 'l1', to: 'orders', requests: 1_000_000, errors: 0, refused: 0, latencyMsSum: 0, latencyMsMax: 0 },
      ],
      inbound: [],
      refusals: [],
    });
    const post = (headers: Record<string, string>, body: TelemetryBatch) =>
      fetch(`${base}/api/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post({}, batch(shopper.pid as number))).status).toBe(401);
    expect((await post({ [TELEMETRY_TOKEN_HEADER]: 'x'.repeat(32) }, batch(shopper.pid as number))).status).toBe(403);
    const stale = await post({ [TELEMETRY_TOKEN_HEADER]: config.telemetry.token }, batch(1));
    expect(stale.status).toBe(204);
    const frame = await nextFrame('a frame after the stale batch', () => true);
    expect(frame.links.find((l) => l.id === 'l1')?.total.requests).toBeLessThan(1_000_000);
  });

  it('shows errors on the links into a killed service within 2 s, and the service as crashed', async () => {
    const payments = await service('payments');
    const killedAt = Date.now();
    process.kill(payments.pid as number, 'SIGKILL');
    const frame = await nextFrame(
      'errors on l2 and payments crashed',
      (f) =>
        (f.links.find((l) => l.id === 'l2')?.errors ?? 0) > 0 &&
        f.services.find((s) => s.id === 'payments')?.state === 'crashed',
      2000,
    );
    expect(frame.at - killedAt).toBeLessThan(2000);
    expect((await service('payments')).state).toBe('crashed');
    const crashed = statuses.find((s) => s.id === 'payments' && s.state === 'crashed');
    expect(crashed?.detail).toMatch(/SIGKILL/);
    // the rest keeps running
    expect((await service('inventory')).state).toBe('ready');
  });

  it('stops: every pid gone within 2 s, the leaves removed, every service stopped', async () => {
    const pids = (await deployStatus()).services.map((s) => s.pid).filter((pid): pid is number => pid !== null);
    expect(pids.length).toBe(4);
    const dir = await deploymentDir();
    const started = Date.now();
    const stopped = await api<DeployStatus>('DELETE', `/api/worlds/${worldId}/deploy`);
    expect(stopped.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stopped.body.rev).toBeNull();
    expect(stopped.body.services.every((s) => s.state === 'stopped')).toBe(true);
    await expect(stat(dir)).rejects.toThrow();
    const stoppedIds = () => new Set(statuses.filter((s) => s.state === 'stopped').map((s) => s.id));
    await waitFor('stopped statuses over socket.io', () => (stoppedIds().size === 4 ? true : undefined), 2000);
  });
});
