// Renewal and CA rotation under load: a client at ~50 rps while every leaf is renewed and then the CA is
// rotated. Nothing may fail, the rate must hold, a plain tls.connect must see the new serial, and after the
// overlap a client that trusts only the old CA must be refused.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { createCA, describeCertificate, issueLeaf } from '@dw/pki';
import type {
  ClientToServerEvents,
  DeployStatus,
  IdentityRoll,
  ServerToClientEvents,
  ServiceCertificate,
  TrafficFrame,
} from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWatched } from '../testing/deployed-world.js';
import { type TempApp, waitFor } from '../testing/temp-app.js';
import { bundle, IdentityKeeper } from './identity-roll.js';

const ROLLING = fixtureWorld('rolling');
/** The rate of its client (50/s). */
const RPS = ROLLING.services.flatMap((s) => (s.kind === 'client' ? [s.config.rps] : []))[0] as number;

let t: TempApp;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];

const deployStatus = async () =>
  (await t.app.inject({ method: 'GET', url: `/api/worlds/${worldId}/deploy` })).json() as DeployStatus;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The certificate api presents to a plain TLS client that trusts `ca`; rejects when it does not verify. */
async function presented(ca: string): Promise<PeerCertificate> {
  const port = (await deployStatus()).services.find((s) => s.id === 'api')?.port as number;
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'api', ca, rejectUnauthorized: true });
    s.once('secureConnect', () => {
      resolve(s.getPeerCertificate());
      s.destroy();
    });
    s.once('error', reject);
  });
}

beforeAll(async () => {
  ({ t, worldId, socket } = await deployWatched(ROLLING, frames));
});

afterAll(async () => {
  socket?.close();
  await t?.close();
});

describe('bundle', () => {
  it('keeps every PEM of a trust bundle whole, with or without a final newline', () => {
    const a = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    const b = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';
    expect(bundle([a, b])).toBe(`${a}\n${b}`);
    expect(bundle([a, b]).match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
  });
});

describe('IdentityKeeper', () => {
  it('renews on its own at two thirds of the lifetime, and again after that', async () => {
    const ca = await createCA({ worldId: 'timer-test' });
    const controller = await issueLeaf(ca, { worldId: 'timer-test', serviceId: 'x' });
    const keeper = new IdentityKeeper({
      worldId: 'timer-test',
      world: { version: 1, name: 't', services: [], links: [] },
      dir: '/nonexistent',
      caDir: '/nonexistent',
      lifetimeMs: 600,
      ca,
      controller: { certPem: controller.certPem, keyPem: controller.keyPem, caPem: ca.certPem },
      processes: () => [],
      onError: (error) => {
        throw error;
      },
    });
    expect(keeper.renewInMs).toBe(400);
    const serials: string[] = [];
    keeper.scheduleRenewal();
    try {
      await waitFor(
        'two automatic renewals',
        () => {
          const serial = describeCertificate(keeper.controller.certPem).serial;
          if (serials.at(-1) !== serial) serials.push(serial);
          return serials.length >= 3 ? true : undefined;
        },
        5000,
      );
    } finally {
      keeper.stop();
    }
    expect(new Set(serials).size).toBe(3);
  });
});

describe('leaf lifetime, renewal and CA rotation', () => {
  it('issues leaves for the world setting (3 minutes here), renewed at two thirds of it', async () => {
    const answer = (
      await t.app.inject({ url: `/api/worlds/${worldId}/deploy/services/api/certificate` })
    ).json() as ServiceCertificate;
    const left = Date.parse(answer.certificate.notAfter) - Date.now();
    expect(left).toBeGreaterThan(2.5 * 60_000);
    expect(left).toBeLessThanOrEqual(3 * 60_000);
  });

  it('renews and rotates under ~50 rps: no failed request, the rate holds, new serial, old CA refused', async () => {
    const first = await waitFor('traffic on l1', () => frames.findLast((f) => (f.links[0]?.total.requests ?? 0) > 10));
    const t0 = first.at;
    const r0 = first.links[0]?.total.requests ?? 0;
    const oldCa = await readFile(join(t.dataDir, 'pki', worldId, 'ca.crt'), 'utf8');
    const before = await presented(oldCa);

    await sleep(1000);
    const renewed = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy/renew` });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect((renewed.json() as IdentityRoll).reloaded).toBe(2);
    const afterRenewal = await presented(oldCa);
    expect(afterRenewal.serialNumber).not.toBe(before.serialNumber);

    await sleep(1000);
    const rotated = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy/rotate-ca` });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const roll = rotated.json() as IdentityRoll;
    const newCa = await readFile(join(t.dataDir, 'pki', worldId, 'ca.crt'), 'utf8');
    expect(newCa).not.toBe(oldCa);
    expect(await readFile(join(t.dataDir, 'pki', worldId, 'ca.key'), 'utf8')).toContain('PRIVATE KEY');
    expect(JSON.stringify(roll)).not.toMatch(/PRIVATE KEY/);

    await sleep(1500);
    const last = frames.at(-1) as TrafficFrame;
    const link = last.links[0];
    const completed = (link?.total.requests ?? 0) - r0;
    const implied = (RPS * (last.at - t0)) / 1000;
    console.log(
      `renewal + rotation under load: ${completed} of ${Math.round(implied)} implied requests in ${last.at - t0} ms ` +
        `(${Math.round((100 * completed) / implied)}%), ${link?.total.errors} errors, ${link?.total.refused} refused; ` +
        `renewal took ${(renewed.json() as IdentityRoll).tookMs} ms, rotation ${roll.tookMs} ms`,
    );
    expect(link?.total.errors).toBe(0);
    expect(link?.total.refused).toBe(0);
    expect(completed).toBeGreaterThanOrEqual(0.9 * implied);

    // after the overlap: a client trusting only the old CA is refused; one trusting the new CA is not
    await expect(presented(oldCa)).rejects.toThrow(/unable to verify|self.signed|UNABLE_TO/i);
    const afterRotation = await presented(newCa);
    expect(afterRotation.serialNumber).not.toBe(afterRenewal.serialNumber);
    expect(afterRotation.issuer.CN).toContain(worldId);
  });
});
