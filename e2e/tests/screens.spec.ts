// Screenshots of the main states for people to look at: empty, editing. (Deployed with traffic comes from
// templates.spec.ts, an error from unsaved-work.spec.ts and world-files.spec.ts.)
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { baseUrl, openNewWorld, shot, worldIdOf } from './support';

test('empty world, with what to do next', async ({ page }, testInfo) => {
  await page.goto(baseUrl());
  const before = await worldIdOf(page);
  await page.getByRole('button', { name: 'New world' }).click();
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  await expect(page.getByRole('note')).toContainText('Drag a client and a service');
  await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
  await shot(page, testInfo, 'empty');
});

test('editing: a selected node in the inspector, the world menu open', async ({ page }, testInfo) => {
  await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  await expect(page.getByLabel('Service id')).toHaveValue('orders');
  await shot(page, testInfo, 'editing');
  await page.getByRole('button', { name: 'World menu' }).click();
  await expect(page.getByRole('button', { name: 'Duplicate world' })).toBeVisible();
  await shot(page, testInfo, 'world-menu');
});

test.describe('dark theme (following the system)', () => {
  test.use({ colorScheme: 'dark' });
  test('editing in the dark, the world menu open', async ({ page }, testInfo) => {
    await openNewWorld(page, FAN_WORLD);
    await expect(page.locator('.dw-toolbar')).toHaveCSS('background-color', 'rgb(28, 31, 39)'); // dark --dw-surface
    await page.getByTestId('node-payments').click();
    await page.getByRole('button', { name: 'World menu' }).click();
    await shot(page, testInfo, 'editing-dark');
  });
});
