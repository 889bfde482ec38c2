// The handshake matrix again, driven by intruder nodes of a deployed world: each refusal reaches the live
// stream with its reason, and the intruders' links count their refused attempts.
import type {
  CallerCredential,
  ClientToServerEvents,
  ServerToClientEvents,
  ServiceCertificate,
  SpawnConfig,
  TrafficFrame,
} from '@dw/world';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWatched } from '../testing/deployed-world.js';
import { type TempApp, waitFor } from '../testing/temp-app.js';
import { INTRUDER_WORLD } from '../testing/worlds.js';

let t: TempApp;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];

beforeAll(async () => {
  ({ t, worldId, socket } = await deployWatched(INTRUDER_WORLD, frames));
});

afterAll(async () => {
  socket?.close();
  await t?.close();
});

const key = (r: { to: string; from: string | null; reason: string }) => `${r.to} <- ${r.from ?? '(none)'}: ${r.reason}`;

describe('intruders', () => {
  it('get refused for their reason, each in the live stream', async () => {
    const seen = new Map<string, number>();
    const expected = [
      'payments <- (none): no-certificate', // nocert
      'payments <- (none): unknown-ca', // outsider
      'payments <- (none): expired', // stale
      'payments <- sneak: not-linked', // sneak
      'orders <- mallory: name-mismatch', // orders refuses the impostor answering as payments
    ];
    let from = 0;
    await waitFor(
      'every refusal reason',
      () => {
        for (const frame of frames.slice(from)) {
          for (const r of frame.refusals) seen.set(key(r), (seen.get(key(r)) ?? 0) + r.count);
        }
        from = frames.length;
        return expected.every((k) => seen.has(k)) ? true : undefined;
      },
      15_000,
    );
    console.log(`refusals seen: ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const k of expected) expect(seen.get(k), k).toBeGreaterThan(0);
  });

  it('count their attempts as refused on their own links, and never get an answer', async () => {
    const frame = await waitFor(
      'refused attempts on every intruder link',
      () =>
        frames.findLast((f) =>
          ['i1', 'i2', 'i3', 'i4'].every((id) => (f.links.find((l) => l.id === id)?.total.refused ?? 0) >= 2),
        ),
      15_000,
    );
    for (const id of ['i1', 'i2', 'i3', 'i4']) {
      const link = frame.links.find((l) => l.id === id);
      expect(link?.total.refused, id).toBe(link?.total.requests);
    }
    // payments, asked over mTLS by the controller, accepted calls from orders and from no one else
    const stats = await t.app.inject({ url: `/api/worlds/${worldId}/deploy/services/payments/stats` });
    expect(stats.statusCode).toBe(200);
    expect(Object.keys(stats.json().accepted)).toEqual(['orders']);
  });

  it("sends part of orders' calls to the impostor, where orders refuses them, and the rest to payments", async () => {
    const frame = await waitFor(
      'calls on l2',
      () => frames.findLast((f) => (f.links.find((l) => l.id === 'l2')?.total.requests ?? 0) >= 10),
      10_000,
    );
    const l2 = frame.links.find((l) => l.id === 'l2');
    expect(l2?.total.refused).toBeGreaterThan(0);
    expect(l2?.total.refused).toBeLessThan(l2?.total.requests ?? 0);
    console.log(`l2 (orders -> payments, with an impostor): ${l2?.total.requests} calls, ${l2?.total.refused} refused`);
  });

  it('gives intruders no permission: their links add no allowed caller', async () => {
    const configs = [...(t.app.deployer.find(worldId)?.processes.values() ?? [])].map((p) => p.config as SpawnConfig);
    const payments = configs.find((c) => c.serviceId === 'payments');
    expect(payments?.allowedCallers).toEqual([`spiffe://${worldId}/orders`]);
    const nocert = configs.find((c) => c.serviceId === 'nocert');
    expect(nocert?.identity).toEqual({ caFile: expect.any(String) });
    const orders = configs.find((c) => c.serviceId === 'orders');
    expect(orders?.peers[0]?.alsoAt).toHaveLength(1);
  });
  it('answers the certificate route for an intruder with what it calls with, never a failed handshake', async () => {
    const read = async (id: string) => {
      const response = await t.app.inject({ url: `/api/worlds/${worldId}/deploy/services/${id}/certificate` });
      expect(response.statusCode, `${id}: ${response.body}`).toBe(200);
      expect(response.body).not.toMatch(/PRIVATE KEY|BEGIN/);
      return response.json() as CallerCredential;
    };
    const nocert = await read('nocert');
    expect(nocert).toMatchObject({ serves: false, credential: 'none', presents: null });
    const outsider = await read('outsider');
    expect(outsider).toMatchObject({ serves: false, credential: 'foreign-ca' });
    expect(outsider.presents?.issuer).toContain('outside-the-world');
    const stale = await read('stale');
    expect(stale.credential).toBe('expired');
    expect(Date.parse(stale.presents?.notAfter ?? '')).toBeLessThan(Date.now());
    const sneak = await read('sneak');
    expect(sneak.credential).toBe('own');
    expect(sneak.presents?.uris).toEqual([`spiffe://${worldId}/sneak`]);
    expect(Date.parse(sneak.presents?.notAfter ?? '')).toBeGreaterThan(Date.now());
    // an impostor serves: its certificate is read from a handshake with it, as any service's
    const mallory = (
      await t.app.inject({ url: `/api/worlds/${worldId}/deploy/services/mallory/certificate` })
    ).json() as ServiceCertificate;
    expect(mallory.certificate.uris).toEqual([`spiffe://${worldId}/mallory`]);
  });
});
