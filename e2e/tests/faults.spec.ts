import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import { expect, type Page, test } from '@playwright/test';
import { api, baseUrl, deployStatus, numberAttr } from './support';

/** The p50 latency the link's label shows (from the latest frame with calls, ms). */
async function shownLatency(page: Page): Promise<number> {
  return numberAttr(page.getByTestId('link-stats-l2'), 'data-p50');
}

test('faults injected from the canvas act on live traffic, show on the diagram, and heal', async ({
  page,
}, testInfo) => {
  // The example world without its random errors, so that every error seen here is the fault's.
  const world = structuredClone(EXAMPLE_WORLD);
  world.name = 'faults from the canvas';
  for (const service of world.services) if (service.kind === 'service') service.config.errorRate = 0;
  const created = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(world),
  });
  const worldId = created.id;
  await page.goto(`${baseUrl()}/?world=${worldId}`);
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  }
  const ordersToPayments = page.getByTestId('link-stats-l2');
  await expect.poll(() => numberAttr(ordersToPayments, 'data-rate'), { timeout: 8_000 }).toBeGreaterThan(0);

  // Select orders -> payments on the canvas: its inspector shows the live latency; wait for it to settle (new
  // connections and a cold start are slow, more so on a busy machine).
  await page.locator('.react-flow__edge[data-id="l2"]').click({ force: true });
  await expect(page.getByRole('region', { name: 'Faults' })).toBeVisible();
  await expect.poll(() => shownLatency(page), { timeout: 20_000 }).toBeLessThan(300);

  // +1000 ms: the diagram shows the fault on the link, and every call's latency now includes it.
  await page.getByLabel('Added latency (ms)').fill('1000');
  await page.getByRole('button', { name: 'Add latency' }).click();
  const badge = page.getByTestId('link-faults-l2');
  await expect(badge).toContainText('+1000 ms');
  await expect.poll(() => shownLatency(page), { timeout: 10_000 }).toBeGreaterThan(800);

  // A partition on the same link: every call fails, the label counts the errors, upstream sees them too.
  await page.getByRole('button', { name: 'Partition' }).click();
  await expect(badge).toContainText('partition');
  const errorsAt = await numberAttr(ordersToPayments, 'data-errors');
  await expect
    .poll(() => numberAttr(ordersToPayments, 'data-errors'), { timeout: 5_000 })
    .toBeGreaterThan(errorsAt + 10);
  await expect
    .poll(() => numberAttr(page.getByTestId('link-stats-l1'), 'data-errors'), { timeout: 5_000 })
    .toBeGreaterThan(0);
  const shot = testInfo.outputPath('faults-on-the-diagram.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('faults on the diagram', { path: shot, contentType: 'image/png' });

  // Remove both from the diagram itself (the × on each chip): the errors stop.
  await page.getByRole('button', { name: 'Remove fault partition on l2' }).click();
  await page.getByRole('button', { name: 'Remove fault +1000 ms on l2' }).click();
  await expect(badge).toHaveCount(0);
  await page.waitForTimeout(1_000); // calls in flight when the partition ended land within one window
  const healed = await numberAttr(ordersToPayments, 'data-errors');
  await page.waitForTimeout(2_000);
  expect(await numberAttr(ordersToPayments, 'data-errors')).toBe(healed);
  expect(await numberAttr(ordersToPayments, 'data-rate')).toBeGreaterThan(0);

  // Kill payments from its inspector: no restart policy, so it shows as crashed, with a reason.
  await page.getByTestId('node-payments').click();
  await page.getByRole('button', { name: 'Kill process' }).click();
  await expect(page.getByTestId('node-payments')).toHaveAttribute('data-state', 'crashed', { timeout: 2_000 });
  await expect(page.getByText(/killed by SIGKILL/)).toBeVisible();

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(worldId)).rev, { timeout: 5_000 }).toBeNull();
});

test('a scenario saved with the world plays in the browser: its faults show on the diagram, then the verdict', async ({
  page,
}, testInfo) => {
  const world = structuredClone(EXAMPLE_WORLD);
  world.name = 'scenario in the browser';
  world.scenarios = [
    {
      name: 'slow payments',
      durationS: 6,
      steps: [
        { atS: 1, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 300 } },
        { atS: 4, do: 'heal' },
      ],
      assertions: ['errors(shopper) < 50%', 'rate(shopper->orders) > 1/s'],
    },
  ];
  const created = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(world),
  });
  await page.goto(`${baseUrl()}/?world=${created.id}`);
  await page.getByRole('button', { name: 'Play slow payments' }).click();
  // It deploys the world, and at 1 s the fault appears on orders -> payments, until the heal at 4 s.
  await expect(page.getByTestId('node-orders')).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await expect(page.getByTestId('link-faults-l2')).toContainText('+300 ms', { timeout: 5_000 });
  await expect(page.getByTestId('link-faults-l2')).toHaveCount(0, { timeout: 8_000 });
  const run = page.getByTestId('scenario-run');
  await expect(run).toHaveAttribute('data-done', 'true', { timeout: 10_000 });
  await expect(run).toHaveAttribute('data-passed', 'true');
  await expect(run).toContainText('+300 ms on link orders → payments');
  await expect(run).toContainText('PASS errors(shopper)');
  const shot = testInfo.outputPath('scenario-played.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('scenario played', { path: shot, contentType: 'image/png' });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(created.id)).rev, { timeout: 5_000 }).toBeNull();
});
