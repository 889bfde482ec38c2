// A bundled template becomes a new saved world, and deploys: every service ready, traffic on every link.
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { api, numberAttr, shot, worldIdOf } from './support';

test('start from the fan-out/fan-in template, deploy it and see traffic on every link', async ({ page }, testInfo) => {
  await page.goto(process.env.DW_E2E_URL as string);
  const before = await worldIdOf(page);
  await page.getByRole('button', { name: 'World menu' }).click();
  await page.getByTestId('template-fan-out-fan-in').click();
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  const id = await worldIdOf(page);
  const saved = await api<WorldRecord>(`/api/worlds/${id}`);
  expect(saved.world.name).toBe('fan-out fan-in');
  expect(saved.world.services.map((s) => s.id)).toEqual([
    'requests',
    'splitter',
    'worker-a',
    'worker-b',
    'worker-c',
    'store',
  ]);
  for (const s of saved.world.services) await expect(page.getByTestId(`node-${s.id}`)).toBeVisible();

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of saved.world.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  for (const link of saved.world.links) {
    await expect
      .poll(() => numberAttr(page.getByTestId(`link-stats-${link.id}`), 'data-rate'), { timeout: 10_000 })
      .toBeGreaterThan(0);
  }
  await shot(page, testInfo, 'deployed-with-traffic');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-deployed-rev=""]')).toBeVisible();
});

test('the mTLS-under-attack template: shoppers get through, every intruder is refused', async ({ page }, testInfo) => {
  await page.goto(process.env.DW_E2E_URL as string);
  const before = await worldIdOf(page);
  await page.getByRole('button', { name: 'World menu' }).click();
  await page.getByTestId('template-mtls-under-attack').click();
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  const saved = await api<WorldRecord>(`/api/worlds/${await worldIdOf(page)}`);
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['shoppers', 'orders', 'payments']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  // shoppers -> orders -> payments: calls answered over mutual TLS, and not one of them failed or refused
  for (const id of ['l1', 'l2']) {
    const stats = page.getByTestId(`link-stats-${id}`);
    await expect.poll(() => numberAttr(stats, 'data-total'), { timeout: 15_000 }).toBeGreaterThan(20);
    await expect(stats).toHaveAttribute('data-mtls', 'true');
    expect(await numberAttr(stats, 'data-errors'), `${id} errors`).toBe(0);
    expect(await numberAttr(stats, 'data-refused'), `${id} refused`).toBe(0);
  }
  for (const link of saved.world.links.filter((l) => !['shoppers', 'orders'].includes(l.from))) {
    await expect
      .poll(() => numberAttr(page.getByTestId(`link-stats-${link.id}`), 'data-refused'), { timeout: 15_000 })
      .toBeGreaterThan(0);
  }
  await shot(page, testInfo, 'mtls-under-attack');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-deployed-rev=""]')).toBeVisible();
});

test('the own-code template: a checkout handler calling payments and inventory, traffic on every link', async ({
  page,
}, testInfo) => {
  await page.goto(process.env.DW_E2E_URL as string);
  const before = await worldIdOf(page);
  await page.getByRole('button', { name: 'World menu' }).click();
  await page.getByTestId('template-own-handlers').click();
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  const saved = await api<WorldRecord>(`/api/worlds/${await worldIdOf(page)}`);
  expect(saved.world.services.map((s) => s.id)).toEqual(['shoppers', 'checkout', 'payments', 'inventory']);
  // its code is in the inspector's editor
  await page.getByTestId('node-checkout').click({ position: { x: 60, y: 12 } });
  await expect(page.getByTestId('handler-editor-checkout').locator('.cm-content')).toContainText("ctx.call('payments'");

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of saved.world.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  for (const link of saved.world.links) {
    await expect
      .poll(() => numberAttr(page.getByTestId(`link-stats-${link.id}`), 'data-rate'), { timeout: 10_000 })
      .toBeGreaterThan(0);
  }
  await shot(page, testInfo, 'own-handlers-deployed');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-deployed-rev=""]')).toBeVisible();
});
