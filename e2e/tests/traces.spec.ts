import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { api, baseUrl, numberAttr } from './support';

test('a sampled request opens as a waterfall of every hop; pause holds the view; a node shows history and logs', async ({
  page,
}, testInfo) => {
  const record = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...EXAMPLE_WORLD, name: 'traced' }),
  });
  try {
    await page.goto(`${baseUrl()}/?world=${record.id}`);
    await page.getByRole('button', { name: 'Deploy' }).click();
    for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
      await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
    }

    // The world panel lists recent sampled traces; the first opens as a waterfall.
    const traces = page.getByRole('region', { name: 'Recent traces' }).getByRole('button');
    await expect(traces.first()).toBeVisible({ timeout: 10_000 });
    await traces.first().click();
    const waterfall = page.getByTestId('trace-waterfall');
    await expect(waterfall).toBeVisible();
    const rows = waterfall.getByTestId('trace-span');
    await expect(rows).toHaveCount(6, { timeout: 5_000 });
    const hops = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-hop')));
    expect(hops.slice(0, 2)).toEqual(['shopper->orders', 'orders']);
    expect([hops.slice(2, 4).join(' '), hops.slice(4).join(' ')].sort()).toEqual([
      'orders->inventory inventory',
      'orders->payments payments',
    ]);
    const shot = testInfo.outputPath('trace-waterfall.png');
    await page.screenshot({ path: shot });
    await testInfo.attach('trace waterfall', { path: shot, contentType: 'image/png' });
    await page.getByRole('button', { name: 'Close trace' }).click();
    await expect(waterfall).toBeHidden();

    // Pause: the numbers hold still while the world keeps running; Resume: they move again.
    const link = page.getByTestId(`link-stats-${record.world.links[0]?.id}`);
    await expect.poll(() => numberAttr(link, 'data-total'), { timeout: 8_000 }).toBeGreaterThan(0);
    await page.getByTestId('live-pause').click();
    await expect(page.getByTestId('live-pause')).toHaveAttribute('aria-pressed', 'true');
    const held = await numberAttr(link, 'data-total');
    await page.waitForTimeout(1_500);
    expect(await numberAttr(link, 'data-total')).toBe(held);
    await page.getByTestId('live-pause').click();
    await expect.poll(() => numberAttr(link, 'data-total'), { timeout: 8_000 }).toBeGreaterThan(held);

    // A node's inspector: in/out rates, its history, and its own output, live.
    await page.getByTestId('node-orders').click();
    await expect(page.getByTestId('logs-orders')).toContainText('listening on https://127.0.0.1:');
    await expect(page.getByTestId('history-service:orders')).toBeVisible({ timeout: 10_000 });
    const inspector = testInfo.outputPath('node-inspector.png');
    await page.screenshot({ path: inspector });
    await testInfo.attach('node inspector', { path: inspector, contentType: 'image/png' });
  } finally {
    await fetch(new URL(`/api/worlds/${record.id}/deploy`, baseUrl()), { method: 'DELETE' });
  }
});
