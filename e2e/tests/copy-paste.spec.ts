// Multi-select, copy, paste and duplicate: new unique ids, the links among the copied nodes kept.
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, nodeIds, openNewWorld } from './support';

test('copy two linked nodes, paste them twice and duplicate, then save a valid world', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  await page.getByTestId('node-payments').click({ modifiers: ['Shift'] });
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);

  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(page.getByTestId('node-orders-copy')).toBeVisible();
  await expect(page.getByTestId('node-payments-copy')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(4);
  await page.getByRole('button', { name: 'Paste', exact: true }).click();
  await expect(page.getByTestId('node-orders-copy-2')).toBeVisible();
  // The pasted pair is selected: duplicate it.
  await page.keyboard.press('Control+d');
  await expect(page.getByTestId('node-orders-copy-3')).toBeVisible();
  expect(await nodeIds(page)).toEqual(
    [
      'shopper',
      'orders',
      'payments',
      'inventory',
      'orders-copy',
      'payments-copy',
      'orders-copy-2',
      'payments-copy-2',
      'orders-copy-3',
      'payments-copy-3',
    ].sort(),
  );
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);
  const saved = await api<WorldRecord>(`/api/worlds/${id}`);
  expect(saved.world.links.filter((l) => l.from.startsWith('orders-copy')).map((l) => `${l.from}>${l.to}`)).toEqual([
    'orders-copy>payments-copy',
    'orders-copy-2>payments-copy-2',
    'orders-copy-3>payments-copy-3',
  ]);
  expect(new Set(saved.world.links.map((l) => l.id)).size).toBe(6);
});
