import { readFile } from 'node:fs/promises';
import type { World } from '@dw/world';
import { expect, test } from '@playwright/test';
import { baseUrl, openNewWorld } from './support';

const SHOP: World = {
  version: 1,
  name: 'k8s shop',
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 1 } },
    { id: 'orders', kind: 'service', position: { x: 250, y: 0 }, config: {} },
    { id: 'payments', kind: 'service', position: { x: 500, y: 0 }, config: {}, replicas: 2 },
  ],
  links: [
    { id: 'l1', from: 'shopper', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
  ],
};

// Worlds made here are removed afterwards, so other specs open on the example world as before.
const made: string[] = [];
test.afterEach(async () => {
  for (const id of made.splice(0)) await fetch(new URL(`/api/worlds/${id}`, baseUrl()), { method: 'DELETE' });
});

test('Export Kubernetes downloads the manifests; a world Kubernetes cannot name says where', async ({ page }) => {
  const worldId = await openNewWorld(page, SHOP);
  made.push(worldId);
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export Kubernetes' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('k8s-shop.kubernetes.yaml');
  const text = await readFile(await download.path(), 'utf8');
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).toContain(`kubectl -n dw-${worldId} port-forward service/dw-observer`);
  for (const name of ['shopper', 'orders', 'payments', 'dw-pki', 'callers-of-orders', 'callers-of-payments']) {
    expect(text).toContain(`\n  name: ${name}\n`);
  }
  expect(text).toMatch(/name: payments\n[\s\S]*?replicas: 2/);

  const digits = {
    ...SHOP,
    name: 'digits',
    services: SHOP.services.map((s) => (s.id === 'orders' ? { ...s, id: '2fa' } : s)),
    links: [{ id: 'l1', from: 'shopper', to: '2fa' }],
  } as World;
  made.push(await openNewWorld(page, digits));
  await page.getByRole('button', { name: 'Export Kubernetes' }).click();
  await expect(page.getByText('Could not export for Kubernetes')).toBeVisible();
  await expect(page.getByText(/\/services\/1\/id: "2fa" must start with a letter/)).toBeVisible();
});
