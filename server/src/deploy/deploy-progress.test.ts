// Deploy progress with real processes: every service a deploy starts reports identity-issued -> starting -> ready,
// in that order, as deploy:progress events over a real socket.io connection; a redeploy reports only what it
// restarts; a watcher that arrives later gets each service's latest step; a process that dies says why.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCertificate } from '@dw/pki';
import {
  type ClientToServerEvents,
  DEPLOY_STEPS,
  type DeployProgressEvent,
  type DeployStatus,
  type ServerToClientEvents,
  type WatchAck,
  type World,
} from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { type TempApp, tempApp, tempDir, waitFor } from '../testing/temp-app.js';

const THREE = fixtureWorld('three');

let t: TempApp;
let base: string;
let worldId: string;
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

async function watch(into: DeployProgressEvent[]): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  socket.on('deploy:progress', (event) => into.push(event));
  const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId }, resolve));
  expect(ack).toEqual({ ok: true });
}

const allReady = (rev: number) =>
  waitFor(
    `rev ${rev} ready`,
    async () => {
      const s: DeployStatus = (await t.app.inject(`/api/worlds/${worldId}/deploy`)).json();
      return s.rev === rev && s.services.every((x) => x.state === 'ready') ? s : undefined;
    },
    20_000,
  );

/** Per service, the steps of `rev` in the order they arrived. */
function stepsOf(events: DeployProgressEvent[], rev: number): Record<string, DeployProgressEvent[]> {
  const by: Record<string, DeployProgressEvent[]> = {};
  for (const e of events.filter((x) => x.rev === rev)) by[e.id] = [...(by[e.id] ?? []), e];
  return by;
}

function expectInOrder(steps: DeployProgressEvent[] | undefined): void {
  expect(steps?.map((s) => s.step)).toEqual([...DEPLOY_STEPS]);
  expect(new Set(steps?.map((s) => s.of)).size).toBe(1);
  const at = steps?.map((s) => s.at) ?? [];
  for (let i = 1; i < at.length; i++) expect(at[i]).toBeGreaterThanOrEqual(at[i - 1] as number);
}

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  worldId = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: THREE })).json().id;
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t?.close();
});

describe('deploy progress', () => {
  it('streams identity-issued -> starting -> ready for every service, in order, the leaf as issued', async () => {
    const events: DeployProgressEvent[] = [];
    await watch(events);
    const asked = Date.now();
    expect((await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(202);
    await allReady(1);
    // ready is reported before (or as) the status says so
    await waitFor('three ready steps', () =>
      events.filter((e) => e.step === 'ready').length === 3 ? true : undefined,
    );
    const steps = stepsOf(events, 1);
    expect(Object.keys(steps).sort()).toEqual(['orders', 'payments', 'shopper']);
    for (const id of Object.keys(steps)) expectInOrder(steps[id]);
    expect(events.every((e) => e.of === 3)).toBe(true);
    expect(events.every((e) => e.worldId === worldId && e.at >= asked)).toBe(true);
    // the client starts once the services it calls are ready
    const at = (id: string, step: string) => steps[id]?.find((s) => s.step === step)?.at as number;
    expect(at('shopper', 'starting')).toBeGreaterThanOrEqual(Math.max(at('orders', 'ready'), at('payments', 'ready')));

    // identity-issued carries the serial and end of validity of the leaf the service really got
    const [dir] = await readdir(join(t.dataDir, 'deployments'));
    for (const id of ['shopper', 'orders', 'payments']) {
      const cert = describeCertificate(
        await readFile(join(t.dataDir, 'deployments', dir as string, `${id}.crt`), 'utf8'),
      );
      expect(steps[id]?.[0]).toMatchObject({ step: 'identity-issued', serial: cert.serial, notAfter: cert.notAfter });
    }
  });

  it('on a redeploy, only the restarted service reports progress; a later watcher gets the latest steps', async () => {
    const events: DeployProgressEvent[] = [];
    await watch(events);
    events.length = 0; // what a watcher gets at once is checked below
    const world: World = {
      ...THREE,
      services: THREE.services.map((s) =>
        s.id === 'payments' && s.kind === 'service' ? { ...s, config: { latencyMs: 2, errorRate: 0 } } : s,
      ),
    };
    const saved = await t.app.inject({ method: 'PUT', url: `/api/worlds/${worldId}`, payload: { rev: 1, world } });
    expect(saved.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` })).json()).toEqual({ rev: 2 });
    await allReady(2);
    await waitFor('the ready step of payments', () => (events.some((e) => e.step === 'ready') ? true : undefined));
    const steps = stepsOf(events, 2);
    expect(Object.keys(steps)).toEqual(['payments']);
    expectInOrder(steps.payments);
    expect(steps.payments?.every((e) => e.of === 1)).toBe(true);

    const late: DeployProgressEvent[] = [];
    await watch(late);
    expect(late.map((e) => [e.rev, e.id, e.step])).toEqual([[2, 'payments', 'ready']]);
  });

  it('a process that dies before it is ready ends its steps with crashed, and says why', async () => {
    // a runtime that exits at once with a message on stderr, as a broken build would
    const dir = await tempDir('dw-broken-runtime-');
    const runtimePath = join(dir, 'main.js');
    await writeFile(runtimePath, "console.error('boom: the runtime could not start'); process.exit(3);\n");
    const broken = await tempApp({ runtimePath });
    try {
      const brokenBase = await broken.app.listen({ port: 0, host: '127.0.0.1' });
      const id: string = (await broken.app.inject({ method: 'POST', url: '/api/worlds', payload: THREE })).json().id;
      const events: DeployProgressEvent[] = [];
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(brokenBase, {
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      socket.on('deploy:progress', (event) => events.push(event));
      await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId: id }, resolve));
      expect((await broken.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy` })).statusCode).toBe(202);
      const crashed = await waitFor('a crashed step', () => events.find((e) => e.step === 'crashed'), 15_000);
      expect(crashed.detail).toMatch(/exit|boom/);
      const steps = stepsOf(events, 1)[crashed.id]?.map((e) => e.step);
      expect(steps?.slice(0, 3)).toEqual(['identity-issued', 'starting', 'crashed']);
    } finally {
      await broken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
