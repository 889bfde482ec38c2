// The diagram as the security policy, in the browser: intruders in every mode deployed for real, their
// refusals marked on the canvas with reasons, and the certificate inspector against a plain tls.connect.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { ServiceCertificate, World, WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { api, baseUrl, deployStatus } from './support';

const WORLD: World = {
  version: 1,
  name: 'under attack',
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 60 }, config: { rps: 5 } },
    { id: 'orders', kind: 'service', position: { x: 300, y: 60 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'payments', kind: 'service', position: { x: 640, y: 220 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'audit', kind: 'service', position: { x: 640, y: -80 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'nocert', kind: 'intruder', position: { x: 0, y: 220 }, config: { mode: 'no-cert', rps: 3 } },
    { id: 'outsider', kind: 'intruder', position: { x: 0, y: 360 }, config: { mode: 'foreign-ca', rps: 3 } },
    { id: 'stale', kind: 'intruder', position: { x: 300, y: 500 }, config: { mode: 'expired', rps: 3 } },
    { id: 'sneak', kind: 'intruder', position: { x: 0, y: 500 }, config: { mode: 'unlinked', rps: 3 } },
    {
      id: 'mallory',
      kind: 'intruder',
      position: { x: 980, y: 60 },
      config: { mode: 'impostor', impersonates: 'payments' },
    },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'l3', from: 'orders', to: 'audit', policy: 'deny' },
    { id: 'i1', from: 'nocert', to: 'payments' },
    { id: 'i2', from: 'outsider', to: 'payments' },
    { id: 'i3', from: 'stale', to: 'payments' },
    { id: 'i4', from: 'sneak', to: 'payments' },
  ],
};

let worldId: string;

/** The world's CA as the controller saved it (rotation replaces it). */
const worldCa = () =>
  new X509Certificate(readFileSync(join(process.env.DW_E2E_DATA as string, 'pki', worldId, 'ca.crt')));

/** The leaf a running service presents to a plain TLS handshake. */
async function servedLeaf(serviceId: string): Promise<X509Certificate> {
  const port = (await deployStatus(worldId)).services.find((s) => s.id === serviceId)?.port;
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

test.beforeAll(async () => {
  const record = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(WORLD),
  });
  worldId = record.id;
});

test.afterAll(async () => {
  await fetch(new URL(`/api/worlds/${worldId}/deploy`, baseUrl()), { method: 'DELETE' });
});

test('intruders in every mode are refused, each refusal marked on the canvas with its reason', async ({
  page,
}, testInfo) => {
  await page.goto(`${baseUrl()}/?world=${worldId}`);
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  const payments = page.getByTestId('refusals-payments');
  for (const reason of [
    'no-certificate from an unknown caller',
    'unknown-ca from an unknown caller',
    'expired from an unknown caller',
    'not-linked from sneak',
  ]) {
    await expect(payments, reason).toContainText(reason, { timeout: 15_000 });
  }
  await expect(page.getByTestId('refusals-orders')).toContainText('name-mismatch from mallory', { timeout: 15_000 });
  // the refusal marks are red
  const color = await payments.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color ?? '');
  const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number);
  expect((r ?? 0) > (g ?? 0) && (r ?? 0) > (b ?? 0), `refusal colour ${color}`).toBe(true);
  // every intruder link counts refused attempts, and the deny link refuses orders' calls
  for (const id of ['i1', 'i2', 'i3', 'i4', 'l3']) {
    await expect
      .poll(async () => Number(await page.getByTestId(`link-stats-${id}`).getAttribute('data-refused')), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
  }
  await expect(page.getByTestId('link-stats-l1')).toHaveAttribute('data-mtls', 'true');
  const shot = testInfo.outputPath('intruders.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('intruders refused', { path: shot, contentType: 'image/png' });
});

test("the inspector's fingerprint is the SHA-256 of the certificate a plain tls.connect receives", async ({
  page,
}, testInfo) => {
  if ((await deployStatus(worldId)).rev === null) {
    await api(`/api/worlds/${worldId}/deploy`, { method: 'POST' }); // when run on its own
  }
  await page.goto(`${baseUrl()}/?world=${worldId}`);
  await expect(page.getByTestId('node-payments')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await page.getByTestId('node-payments').click();
  const shown = page.getByTestId('cert-fingerprint');
  await expect(shown).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, { timeout: 10_000 });
  await expect(page.getByTestId('cert-countdown')).toHaveText(/\d+ h \d+ min \d+ s|\d+ d/);
  await expect(page.getByTestId('cert-callers')).toHaveText('orders');

  const port = (await deployStatus(worldId)).services.find((s) => s.id === 'payments')?.port;
  if (!port) throw new Error('payments has no port');
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'payments', rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().raw);
      socket.destroy();
    });
    socket.once('error', reject);
  });
  const sha256 = createHash('sha256').update(raw).digest('hex').toUpperCase().match(/../g)?.join(':');
  await expect(shown).toHaveText(sha256 as string);

  const answer = await api<ServiceCertificate>(`/api/worlds/${worldId}/deploy/services/payments/certificate`);
  expect(JSON.stringify(answer)).not.toMatch(/PRIVATE KEY/);
  await page.getByTestId('certificate-panel').scrollIntoViewIfNeeded();
  const shot = testInfo.outputPath('certificate-inspector.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('certificate inspector', { path: shot, contentType: 'image/png' });
});

test('Rotate CA from the world panel gives the service a certificate of a new CA while traffic flows', async ({
  page,
}, testInfo) => {
  if ((await deployStatus(worldId)).rev === null) {
    await api(`/api/worlds/${worldId}/deploy`, { method: 'POST' }); // when run on its own
  }
  await page.goto(`${baseUrl()}/?world=${worldId}`);
  await expect(page.getByTestId('node-orders')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  const before = await api<ServiceCertificate>(`/api/worlds/${worldId}/deploy/services/orders/certificate`);
  const caBefore = worldCa();
  const leafBefore = await servedLeaf('orders');
  expect(leafBefore.verify(caBefore.publicKey)).toBe(true);
  await page.getByRole('button', { name: 'Rotate CA' }).click();
  await expect(page.getByTestId('identity-roll')).toContainText('CA rotated', { timeout: 15_000 });
  const after = await api<ServiceCertificate>(`/api/worlds/${worldId}/deploy/services/orders/certificate`);
  expect(after.certificate.serial).not.toBe(before.certificate.serial);
  expect(after.certificate.issuer).toBe(before.certificate.issuer); // same name, new key: a new CA of this world
  expect(after.certificate.fingerprint256).not.toBe(before.certificate.fingerprint256);
  // A rotation, not a renewal: the world's CA is a new one (another key, another serial), the one the page names,
  // and the leaf orders presents now is signed by it and not by the old one.
  const caAfter = worldCa();
  expect(caAfter.fingerprint256).not.toBe(caBefore.fingerprint256);
  expect(caAfter.publicKey.export({ type: 'spki', format: 'der' })).not.toEqual(
    caBefore.publicKey.export({ type: 'spki', format: 'der' }),
  );
  await expect(page.getByTestId('identity-roll')).toContainText(caAfter.serialNumber.slice(0, 16), {
    ignoreCase: true,
  });
  const leafAfter = await servedLeaf('orders');
  expect(leafAfter.verify(caAfter.publicKey)).toBe(true);
  expect(leafAfter.verify(caBefore.publicKey)).toBe(false);
  // shopper -> orders keeps carrying answered calls over mutual TLS
  await expect(page.getByTestId('link-stats-l1')).toHaveAttribute('data-mtls', 'true', { timeout: 10_000 });
  const shot = testInfo.outputPath('rotate-ca.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('rotate CA', { path: shot, contentType: 'image/png' });
});
