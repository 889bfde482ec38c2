// Hard to lose work: an unsaved mark, a warning before leaving with unsaved work, and autosave.
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, openNewWorld, shot } from './support';

test('leaving with unsaved work asks first; staying keeps the draft', async ({ page }, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD);
  // An id that is not a DNS label: the draft cannot be saved (nor autosaved) until it is fixed.
  await page.getByTestId('node-orders').click();
  const serviceId = page.getByLabel('Service id');
  await serviceId.fill('Orders Service');
  await serviceId.press('Tab');
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
  await shot(page, testInfo, 'error-state');

  const asked: string[] = [];
  page.once('dialog', (dialog) => {
    asked.push(dialog.type());
    void dialog.dismiss(); // stay
  });
  // Closing the tab as a person would: the page's beforeunload handler runs and the browser asks.
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByLabel('Service id')).toHaveValue('Orders Service');
  expect((await api<WorldRecord>(`/api/worlds/${id}`)).rev).toBe(1);
});

test('a valid edit is autosaved, and then leaving asks nothing', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-shopper').click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('33');
  await rps.press('Tab');
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0, { timeout: 15_000 });
  const saved = await api<WorldRecord>(`/api/worlds/${id}`);
  expect(saved.rev).toBe(2);
  expect(saved.world.services.find((s) => s.id === 'shopper')?.config).toEqual({ rps: 33 });

  let asked = false;
  page.on('dialog', (dialog) => {
    asked = true;
    void dialog.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toBe(false);
});
