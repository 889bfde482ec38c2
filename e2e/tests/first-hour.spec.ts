// What a new user meets in the first hour, each a dead end or a surprise once: a rename to a taken name, a field
// typed digit by digit, an error rate typed as the percent the node shows, a negative rate, a link to itself.
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, dragBetween, nodeIds, openNewWorld } from './support';

const undo = (page: import('@playwright/test').Page) => page.getByRole('button', { name: 'Undo', exact: true });

test('a rename to a taken name is never applied: leaving the field keeps the old name and says why', async ({
  page,
}) => {
  await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  const field = page.getByLabel('Service id');
  // typed one key at a time, through "payment" (free) on the way to "payments" (taken)
  await field.fill('');
  await field.pressSequentially('payments');
  await expect(page.getByText(/leaving the field keeps “orders”/)).toBeVisible();
  // nothing was renamed while typing: not to "p", not to "payment"
  expect(await nodeIds(page)).toEqual(['inventory', 'orders', 'payments', 'shopper']);
  await field.press('Tab');
  await expect(page.getByText('Kept the name orders')).toBeVisible();
  await expect(field).toHaveValue('orders');
  expect(await nodeIds(page)).toEqual(['inventory', 'orders', 'payments', 'shopper']);
  await expect(undo(page)).toBeDisabled(); // nothing happened, so there is nothing to undo
});

test('a rename applies when the field is left, links follow, and one undo takes it back whole', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  const field = page.getByLabel('Service id');
  await field.fill('');
  await field.pressSequentially('checkout');
  await field.press('Enter');
  await expect(page.getByTestId('node-checkout')).toBeVisible();
  expect(await nodeIds(page)).toEqual(['checkout', 'inventory', 'payments', 'shopper']);
  await expect
    .poll(
      async () => (await api<WorldRecord>(`/api/worlds/${id}`)).world.links.map((l) => `${l.from}>${l.to}`).sort(),
      {
        timeout: 15_000,
      },
    )
    .toEqual(['checkout>inventory', 'checkout>payments', 'shopper>checkout']);
  await undo(page).click();
  expect(await nodeIds(page)).toEqual(['inventory', 'orders', 'payments', 'shopper']);
  await expect(undo(page)).toBeDisabled(); // one step, not one per letter
});

test('a number typed digit by digit is one undo step', async ({ page }) => {
  await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  const latency = page.getByLabel('Latency (ms)');
  await expect(page.getByTestId('node-orders')).toContainText('2 ms');
  await latency.fill('');
  await latency.pressSequentially('125');
  await latency.press('Tab');
  await expect(page.getByTestId('node-orders')).toContainText('125 ms');
  await undo(page).click();
  await expect(page.getByTestId('node-orders')).toContainText('2 ms · 0% errors');
  await expect(undo(page)).toBeDisabled();
});

test('an error rate is typed as the percent the node shows; a negative rate is refused in words', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-payments').click();
  const rate = page.getByLabel('Error rate');
  await rate.fill('20');
  await rate.press('Tab');
  await expect(page.getByTestId('node-payments')).toContainText('20% errors');
  await expect
    .poll(
      async () => (await api<WorldRecord>(`/api/worlds/${id}`)).world.services.find((s) => s.id === 'payments')?.config,
      {
        timeout: 15_000,
      },
    )
    .toMatchObject({ errorRate: 0.2 });
  await rate.fill('2000');
  await expect(page.getByText('error rate must be at most 100%, not 2,000%')).toBeVisible();
  await expect(page.getByTestId('node-payments')).toContainText('? errors'); // never "2000% errors"

  await page.getByTestId('node-shopper').click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('-5');
  await expect(page.getByText('rate (req/s) must be at least 0, not -5')).toBeVisible();
  await expect(page.getByTestId('node-shopper')).toContainText('rate?');
  await expect(page.getByTestId('node-shopper')).not.toContainText('-5 req/s');
  await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
});

test('a link dropped on its own node, or on a client, says why it was not drawn', async ({ page }) => {
  await openNewWorld(page, FAN_WORLD);
  const handle = (id: string, type: 'source' | 'target') =>
    page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${type}`);
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(3);
  await dragBetween(page, handle('orders', 'source'), page.getByTestId('node-orders'));
  await expect(page.getByText('orders cannot call itself: a link joins two different nodes')).toBeVisible();
  await dragBetween(
    page,
    handle('orders', 'source'),
    handle('shopper', 'target').or(page.getByTestId('node-shopper')).first(),
  );
  await expect(page.getByText(/orders cannot call shopper: clients only send requests/)).toBeVisible();
  await expect(edges).toHaveCount(3);
});
