// Replicas from the inspector: three copies of orders, deployed, shown as three dots on its node; killing one
// copy from the inspector turns one dot red ("2/3 ready") while orders stays ready and shopper's calls go on.
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { deployStatus, isAlive, numberAttr, openNewWorld, shot } from './support';

test('replicas set in the inspector run as copies whose health shows on the node', async ({ page }, testInfo) => {
  const id = await openNewWorld(page, { ...FAN_WORLD, name: 'replicas' });
  const orders = page.getByTestId('node-orders');

  await orders.click();
  const replicas = page.getByLabel('Replicas');
  await replicas.fill('3');
  await replicas.press('Tab');
  await expect(orders).toContainText('×3');
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of FAN_WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  const health = page.getByTestId('replicas-orders');
  await expect(health).toHaveAttribute('data-count', '3');
  await expect(health).toHaveAttribute('data-ready', '3', { timeout: 20_000 });
  await expect(health).toContainText('3/3 ready');
  const copies = (await deployStatus(id)).services.find((s) => s.id === 'orders')?.replicas ?? [];
  expect(copies.map((r) => r.state)).toEqual(['ready', 'ready', 'ready']);
  expect(new Set(copies.map((r) => r.pid)).size).toBe(3);
  // the live line is the service's total, over every copy
  await expect
    .poll(() => numberAttr(page.getByTestId('node-rate-orders'), 'data-rate'), { timeout: 10_000 })
    .toBeGreaterThan(5);
  await shot(page, testInfo, 'replicas-ready');

  // Kill one copy from the inspector (no restart policy: it stays down); orders stays ready through the others.
  await page.getByLabel('Act on').selectOption('2');
  await page.getByRole('button', { name: 'Kill replica 2' }).click();
  await expect(page.getByTestId('replica-orders-2')).toHaveAttribute('data-state', 'crashed', { timeout: 5_000 });
  await expect(health).toContainText('2/3 ready');
  await expect(orders).toHaveAttribute('data-state', 'ready');
  expect(isAlive(copies[1]?.pid as number)).toBe(false);
  // shopper's calls go on through the other two: 20 more calls over the link, and not one more error
  const link = page.getByTestId('link-stats-l1');
  const errors = await numberAttr(link, 'data-errors');
  const total = await numberAttr(link, 'data-total');
  await expect.poll(() => numberAttr(link, 'data-total'), { timeout: 20_000 }).toBeGreaterThan(total + 20);
  expect(await numberAttr(link, 'data-errors')).toBe(errors);
  await shot(page, testInfo, 'replicas-one-killed');

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(id)).rev, { timeout: 5_000 }).toBeNull();
  for (const r of copies) expect(isAlive(r.pid as number)).toBe(false);
});
