import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { startFreshController } from '../global-setup';
import { api, baseUrl, deployStatus, dragBetween, isAlive, numberAttr, serviceStats, worldIdOf } from './support';

test('on a fresh start the page opens on the example world, ready to deploy', async ({ page }) => {
  // Its own controller on an empty data dir, as `npm start` on a new machine: other specs' worlds don't count.
  const fresh = await startFreshController();
  try {
    await page.goto(fresh.url);
    for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
      await expect(page.getByTestId(`node-${id}`)).toBeVisible();
    }
    await expect(page.getByRole('button', { name: 'Deploy' })).toBeEnabled();
  } finally {
    await fresh.stop();
  }
});

test('draw client -> a -> b, deploy, watch real traffic, stop', async ({ page }, testInfo) => {
  await page.goto(baseUrl());
  const exampleId = await worldIdOf(page);
  await page.getByRole('button', { name: 'New world' }).click();
  await expect.poll(() => worldIdOf(page)).not.toBe(exampleId);
  const worldId = await worldIdOf(page);

  // Drag a client and two services from the palette onto the canvas.
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  if (!box) throw new Error('no canvas');
  const drops: [string, number, number][] = [
    ['palette-client', 0.15, 0.45],
    ['palette-service', 0.45, 0.3],
    ['palette-service', 0.75, 0.55],
  ];
  for (const [item, fx, fy] of drops) {
    await page.getByTestId(item).dragTo(pane, { targetPosition: { x: box.width * fx, y: box.height * fy } });
  }
  const nodes = page.locator('.react-flow__node');
  await expect(nodes).toHaveCount(3);
  const [client, a, b] = ['client-1', 'service-1', 'service-2'];
  for (const id of [client, a, b]) await expect(page.getByTestId(`node-${id}`)).toBeVisible();

  // Connect client -> a -> b by dragging between handles.
  const handle = (id: string, type: 'source' | 'target') =>
    page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${type}`);
  await dragBetween(page, handle(client, 'source'), handle(a, 'target'));
  await dragBetween(page, handle(a, 'source'), handle(b, 'target'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  // Set the client's rate in the inspector.
  await page.getByTestId(`node-${client}`).click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('25');
  await rps.press('Tab');

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of [client, a, b]) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  }

  // Both links show a non-zero rate within a few seconds.
  const saved = await api<WorldRecord>(`/api/worlds/${worldId}`);
  const linkId = (from: string, to: string) => saved.world.links.find((l) => l.from === from && l.to === to)?.id;
  const clientToA = page.getByTestId(`link-stats-${linkId(client, a)}`);
  const aToB = page.getByTestId(`link-stats-${linkId(a, b)}`);
  await expect.poll(() => numberAttr(clientToA, 'data-rate'), { timeout: 8_000 }).toBeGreaterThan(0);
  await expect.poll(() => numberAttr(aToB, 'data-rate'), { timeout: 8_000 }).toBeGreaterThan(0);
  await page.waitForTimeout(2_000);

  // The total shown for a -> b equals what b itself accepted from a, within one window.
  // Read the page, then b's own count (over mTLS, from b's process), then the page again: b's count must
  // lie between the two readings, give or take one window of traffic (25 rps x 0.2 s, plus telemetry lag) and
  // one period of the display clock (labels show the latest frame at most twice a second: display-clock.ts).
  const shownBefore = await numberAttr(aToB, 'data-total');
  const accepted = (await serviceStats(worldId, b)).accepted[a] ?? 0;
  const shownAfter = await numberAttr(aToB, 'data-total');
  const oneWindow = 25 * (0.3 + 0.5) + 2;
  expect(shownBefore).toBeGreaterThan(20);
  expect(accepted).toBeGreaterThanOrEqual(shownBefore - oneWindow);
  expect(accepted).toBeLessThanOrEqual(shownAfter + oneWindow);

  const shot = testInfo.outputPath('live-diagram.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('live diagram', { path: shot, contentType: 'image/png' });

  // Stop: every service pid was alive and is gone within 2 s.
  const running = await deployStatus(worldId);
  const pids = running.services.map((s) => s.pid).filter((pid): pid is number => pid !== null);
  expect(pids).toHaveLength(3);
  for (const pid of pids) expect(isAlive(pid)).toBe(true);
  await page.getByRole('button', { name: 'Stop' }).click();
  const stoppedAt = Date.now();
  await expect.poll(() => pids.filter(isAlive), { timeout: 2_000, intervals: [50] }).toEqual([]);
  expect(Date.now() - stoppedAt).toBeLessThan(2_000);
});
