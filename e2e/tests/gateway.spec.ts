// The gateway in the editor: dragged from the palette, linked to a service, deployed as a real process; its node
// shows the door's URL (click to copy), and its "try it" box sends real requests through the door (the
// controller does: POST .../gateways/:id/try) and shows the answer, the 404 of an unlinked path with the routes,
// and the request's trace; the link's count on the canvas grows with each request.
import { expect, type Page, test } from '@playwright/test';
import { api, baseUrl, dragBetween, numberAttr, openNewWorld, shot } from './support';

const WORLD = {
  version: 1 as const,
  name: 'door',
  services: [
    { id: 'orders', kind: 'service' as const, position: { x: 560, y: 60 }, config: { latencyMs: 2, errorRate: 0 } },
    { id: 'billing', kind: 'service' as const, position: { x: 560, y: 260 }, config: { latencyMs: 2, errorRate: 0 } },
  ],
  links: [],
};

const handle = (page: Page, id: string, type: 'source' | 'target') =>
  page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${type}`);

test('a gateway from the palette forwards /orders/ to orders, answers 404 with its routes elsewhere, traced', async ({
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
  const worldId = await openNewWorld(page, WORLD);

  // The palette offers a gateway among every kind, with its own colour.
  const palette = page.getByLabel('Palette');
  await expect(palette.locator('[data-testid^="palette-"]')).toHaveCount(7); // client, service, process, gateway, queue, store, intruder
  await expect(page.getByTestId('palette-gateway')).toContainText('Gateway');
  await shot(page, testInfo, 'palette');

  // Drag it onto the canvas, left of orders, and link it to orders (never the other way round).
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  if (!box) throw new Error('no canvas');
  await page
    .getByTestId('palette-gateway')
    .dragTo(pane, { targetPosition: { x: box.width * 0.13, y: box.height * 0.72 } });
  const gateway = page.getByTestId('node-gateway-1');
  await expect(gateway).toBeVisible();
  await expect(gateway).toHaveAttribute('data-kind', 'gateway');
  await expect(handle(page, 'gateway-1', 'target')).toHaveCount(0); // nothing inside may call a gateway
  await dragBetween(page, handle(page, 'gateway-1', 'source'), handle(page, 'orders', 'target'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['gateway-1', 'orders', 'billing']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }

  // The node shows the door's URL (its port in the deploy status), and a click copies it.
  const status = await api<{ services: { id: string; port: number | null }[] }>(`/api/worlds/${worldId}/deploy`);
  const port = status.services.find((s) => s.id === 'gateway-1')?.port;
  const url = page.getByTestId('gateway-url-gateway-1');
  await expect(url).toHaveText(`http://127.0.0.1:${port}`);
  await shot(page, testInfo, 'gateway-node-url');
  await url.click();
  await expect(url).toContainText('copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`http://127.0.0.1:${port}`);

  // Try it: GET /orders/ (the first route, filled in) answers 200 with what orders said.
  await gateway.click({ position: { x: 60, y: 12 } });
  const tryIt = page.getByRole('region', { name: 'Try it' });
  await expect(tryIt.getByLabel('Path')).toHaveValue('/orders/');
  await tryIt.getByRole('button', { name: 'Send' }).click();
  const answer = page.getByTestId('try-answer-gateway-1');
  await expect(answer).toHaveAttribute('data-status', '200');
  await expect(answer).toContainText('200 OK');
  expect(JSON.parse((await page.getByTestId('try-body-gateway-1').textContent()) ?? '')).toEqual({
    ok: true,
    serviceId: 'orders',
  });
  await shot(page, testInfo, 'try-it-answer');

  // The link's count on the canvas grows with each request through the door.
  const stats = page.getByTestId('link-stats-l1');
  await expect.poll(() => numberAttr(stats, 'data-total'), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  const before = await numberAttr(stats, 'data-total');
  for (let i = 0; i < 3; i++) {
    await tryIt.getByRole('button', { name: 'Send' }).click();
    await expect(tryIt.getByRole('button', { name: 'Send' })).toBeEnabled();
  }
  await expect.poll(() => numberAttr(stats, 'data-total'), { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 3);

  // Its trace: the door, its call to orders, and orders handling it.
  await page.getByTestId('try-trace-gateway-1').click();
  const waterfall = page.getByTestId('trace-waterfall');
  await expect(waterfall).toBeVisible();
  for (const hop of ['gateway-1', 'gateway-1->orders', 'orders']) {
    await expect(waterfall.locator(`[data-testid="trace-span"][data-hop="${hop}"]`)).toHaveCount(1, {
      timeout: 10_000,
    });
  }
  await shot(page, testInfo, 'try-it-trace');
  await page.getByRole('button', { name: 'Close trace' }).click();
  await expect(waterfall).toBeHidden();

  // A path no link of the gateway leads to: 404, and the routes it has.
  await tryIt.getByLabel('Path').fill('/billing/');
  await tryIt.getByRole('button', { name: 'Send' }).click();
  await expect(answer).toHaveAttribute('data-status', '404');
  const refusal = JSON.parse((await page.getByTestId('try-body-gateway-1').textContent()) ?? '');
  expect(refusal).toMatchObject({ error: 'no-route', routes: ['/orders/'] });
  expect(refusal.message).toContain('"billing"');

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('node-gateway-1')).toHaveAttribute('data-state', /idle|stopped/, { timeout: 10_000 });
});
