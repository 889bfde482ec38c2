// Two worlds deployed at once stay apart: each has its own certificate authority, and a service of one cannot
// call a service of the other -- not with its own identity, and not with a certificate that claims the other
// world's name but was signed by the wrong CA.
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, issueLeaf } from '@dw/pki';
import type { ClientToServerEvents, DeployStatus, ServerToClientEvents, TrafficFrame, WatchAck } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callService, refusedCall } from '../testing/mtls-client.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { listenLocal, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { MESH_WORLD } from '../testing/worlds.js';

let t: TempApp;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const worlds: { id: string; frames: TrafficFrame[] }[] = [];

async function deployStatus(worldId: string): Promise<DeployStatus> {
  return (await t.app.inject({ method: 'GET', url: `/api/worlds/${worldId}/deploy` })).json();
}

async function identity(worldId: string, serviceId: string) {
  const root = join(t.dataDir, 'deployments');
  const dir = (await readdir(root)).find((d) => d.startsWith(`${worldId}-r`));
  if (!dir) throw new Error(`no deployment dir for ${worldId}`);
  return {
    cert: await readFile(join(root, dir, `${serviceId}.crt`), 'utf8'),
    key: await readFile(join(root, dir, `${serviceId}.key`), 'utf8'),
    ca: await readFile(join(root, dir, 'ca.crt'), 'utf8'),
  };
}

async function portOf(worldId: string, serviceId: string): Promise<number> {
  const found = (await deployStatus(worldId)).services.find((s) => s.id === serviceId);
  if (!found?.port) throw new Error(`${serviceId} of ${worldId} has no port`);
  return found.port;
}

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  socket = io(await listenLocal(t.app), { transports: ['websocket'], reconnection: false });
  for (const name of ['east', 'west']) {
    const created = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: { ...MESH_WORLD, name } });
    const entry = { id: created.json().id as string, frames: [] as TrafficFrame[] };
    worlds.push(entry);
    const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId: entry.id }, resolve));
    expect(ack).toEqual({ ok: true });
  }
  socket.on('traffic:frame', (frame) => worlds.find((w) => w.id === frame.worldId)?.frames.push(frame));
  await Promise.all(worlds.map((w) => t.app.inject({ method: 'POST', url: `/api/worlds/${w.id}/deploy` })));
  for (const w of worlds) {
    await waitFor(
      `${w.id} ready`,
      async () => ((await deployStatus(w.id)).services.every((s) => s.state === 'ready') ? true : undefined),
      20_000,
    );
  }
});

afterAll(async () => {
  socket?.close();
  await t?.close();
});

describe('two worlds deployed at once', () => {
  it('run side by side with different certificate authorities', async () => {
    const [east, west] = worlds as [(typeof worlds)[0], (typeof worlds)[0]];
    const eastCa = new X509Certificate((await identity(east.id, 'orders')).ca);
    const westCa = new X509Certificate((await identity(west.id, 'orders')).ca);
    expect(eastCa.fingerprint256).not.toBe(westCa.fingerprint256);
    expect(eastCa.publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(
      westCa.publicKey.export({ format: 'der', type: 'spki' }),
    );
    // Each world's orders carries its own world in its SPIFFE id, signed by its own CA only.
    const eastLeaf = new X509Certificate((await identity(east.id, 'orders')).cert);
    expect(eastLeaf.subjectAltName).toContain(`spiffe://${east.id}/orders`);
    expect(eastLeaf.checkIssued(eastCa)).toBe(true);
    expect(eastLeaf.checkIssued(westCa)).toBe(false);
    // Both carry their own traffic.
    for (const w of worlds) {
      await waitFor(
        `traffic in ${w.id}`,
        () => (w.frames.some((f) => f.links.every((l) => l.total.requests > 0)) ? true : undefined),
        5000,
      );
    }
  });

  it('refuse a call from the other world: its orders cannot reach our payments, and our stream says why', async () => {
    const [east, west] = worlds as [(typeof worlds)[0], (typeof worlds)[0]];
    const westOrders = await identity(west.id, 'orders');
    const eastCa = (await identity(east.id, 'orders')).ca;
    const port = await portOf(east.id, 'payments');
    // west's orders is linked to payments in its own world; in east's world it is a stranger.
    const from = east.frames.length;
    const error = await refusedCall(
      callService(port, 'payments', { cert: westOrders.cert, key: westOrders.key, ca: eastCa }),
    );
    expect(['ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'], error.message).toContain(error.code);
    const frame = await waitFor(
      'the refusal in east',
      () =>
        east.frames.slice(from).find((f) => f.refusals.some((r) => r.to === 'payments' && r.reason === 'unknown-ca')),
      3000,
    );
    expect(frame.refusals).toContainEqual(
      expect.objectContaining({ to: 'payments', from: null, reason: 'unknown-ca' }),
    );
    // And west's own call to its own payments still works.
    const westPayments = await portOf(west.id, 'payments');
    expect((await callService(westPayments, 'payments', westOrders)).status).toBe(200);
  });

  it("refuse a certificate that claims the other world's name but is signed by another CA, and say why", async () => {
    const [east] = worlds as [(typeof worlds)[0]];
    const forger = await createCA({ worldId: east.id });
    const forged = await issueLeaf(forger, { worldId: east.id, serviceId: 'orders' });
    const { ca } = await identity(east.id, 'orders');
    const from = east.frames.length;
    const error = await refusedCall(
      callService(await portOf(east.id, 'payments'), 'payments', { cert: forged.certPem, key: forged.keyPem, ca }),
    );
    // refused in the handshake (a hang would be a timeout), and reported as a certificate of an unknown CA
    expect(['ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'], error.message).toContain(error.code);
    await waitFor(
      'the refusal in east',
      () =>
        east.frames
          .slice(from)
          .find((f) => f.refusals.some((r) => r.to === 'payments' && r.from === null && r.reason === 'unknown-ca')),
      3000,
    );
  });
});
