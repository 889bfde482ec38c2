// A queue and a store in the editor, against real processes: a shop publishes orders to a queue, a worker consumes
// them and writes to a store. Their nodes show depth and keys live; the worker killed (restart "no"), the depth
// grows; started again, the queue drains. The store's inspector lists its keys and shows a value; "clear data"
// asks first, then empties it.
import { expect, type Page, test } from '@playwright/test';
import { ORDER_QUEUE_WORLD } from './fixtures';
import { numberAttr, openNewWorld, shot } from './support';

const gauge = (page: Page, id: string, name: string) =>
  numberAttr(page.getByTestId(`gauge-${id}-${name}`), 'data-value');

async function select(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).click();
  await expect(page.getByRole('region', { name: 'Process' })).toBeVisible();
}

test('a queue and a store deployed from the editor: depth and keys live, the depth grows while the worker is down and drains once it is back', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await openNewWorld(page, ORDER_QUEUE_WORLD);
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['shop', 'orders', 'worker', 'db']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  }

  // live: the queue delivers, the store fills
  await expect.poll(() => gauge(page, 'orders', 'deliverPerSec'), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect.poll(() => gauge(page, 'db', 'keys'), { timeout: 20_000 }).toBeGreaterThan(5);
  await expect.poll(() => gauge(page, 'db', 'writesPerSec'), { timeout: 10_000 }).toBeGreaterThan(0);
  for (const name of ['depth', 'inFlight', 'publishPerSec', 'oldestMs', 'deadLetters']) {
    await expect(page.getByTestId(`gauge-orders-${name}`)).toBeVisible();
  }
  await expect(page.getByTestId('gauge-db-bytes')).toBeVisible();
  await shot(page, testInfo, 'flowing');

  // the worker killed (restart "no"): messages wait in the queue, shown as waiting dots
  await select(page, 'worker');
  const process = page.getByRole('region', { name: 'Process' });
  await process.getByRole('button', { name: 'Kill process' }).click();
  await expect(page.getByTestId('node-worker')).toHaveAttribute('data-state', 'crashed', { timeout: 10_000 });
  await expect.poll(() => gauge(page, 'orders', 'depth'), { timeout: 20_000 }).toBeGreaterThan(40);
  await expect
    .poll(() => numberAttr(page.getByTestId('queue-waiting-orders'), 'data-waiting'), { timeout: 5_000 })
    .toBeGreaterThan(0);
  await expect.poll(() => gauge(page, 'orders', 'oldestMs'), { timeout: 10_000 }).toBeGreaterThan(1000);
  await shot(page, testInfo, 'worker-down-depth-grows');

  // started again: the queue drains (the shop keeps publishing at 20/s, so "drained" is a handful at most)
  await process.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('node-worker')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect.poll(() => gauge(page, 'orders', 'depth'), { timeout: 30_000 }).toBeLessThan(10);
  expect(await gauge(page, 'orders', 'deadLetters')).toBe(0);
  await shot(page, testInfo, 'drained');

  // the queue's inspector: no dead letters
  await select(page, 'orders');
  await expect(page.getByTestId('dead-letters-orders')).toHaveAttribute('data-count', '0', { timeout: 10_000 });

  // the store's inspector: its keys, a value
  await select(page, 'db');
  const keys = page.getByTestId('store-keys-db');
  await expect.poll(() => numberAttr(keys, 'data-total'), { timeout: 10_000 }).toBeGreaterThan(5);
  const first = keys.locator('[data-testid^="store-key-"]').first();
  await first.click();
  await expect(page.getByTestId('store-value-db')).toBeVisible();
  expect((await page.getByTestId('store-value-db').textContent())?.length ?? 0).toBeGreaterThan(0);
  await shot(page, testInfo, 'store-inspector');

  // clear data: asked first; "Keep them" keeps them, the confirmation clears them
  await page.getByTestId('clear-data-db').click();
  await page.getByRole('button', { name: 'Keep them' }).click();
  expect(await gauge(page, 'db', 'keys')).toBeGreaterThan(5);
  await page.getByTestId('clear-data-db').click();
  await page.getByTestId('clear-data-confirm-db').click();
  await expect(page.getByText(/^Cleared: \d+ keys forgotten, on disk too\.$/)).toBeVisible({ timeout: 10_000 });

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('[data-deployed-rev=""]')).toBeVisible({ timeout: 20_000 });
});
