// A redeploy shows its plan first. Moving boxes restarts nothing (the same pids keep running); a changed
// setting restarts only that service, on the same port; Cancel changes nothing.
import type { DeployStatus } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { deployStatus, isAlive, openNewWorld, shot } from './support';

const byId = (s: DeployStatus) => Object.fromEntries(s.services.map((x) => [x.id, { pid: x.pid, port: x.port }]));

test('the deploy preview, and a position-only change restarts nothing', async ({ page }, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD);
  const app = page.locator('.dw-app');
  const deployButton = page.getByRole('button', { name: 'Deploy' });
  const dialog = page.getByRole('dialog');

  // A first deploy starts everything at once.
  await deployButton.click();
  for (const s of FAN_WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  const first = byId(await deployStatus(id));
  expect(Object.values(first).every((s) => s.pid !== null && isAlive(s.pid))).toBe(true);

  // Move two boxes, save, redeploy: the plan says nothing changes, and after applying it the same pids run.
  for (const node of ['payments', 'shopper']) {
    const box = await page.getByTestId(`node-${node}`).boundingBox();
    if (!box) throw new Error(`node ${node} is not visible`);
    await page.mouse.move(box.x + box.width / 2, box.y + 12);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + 70, { steps: 8 });
    await page.mouse.up();
  }
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);
  await deployButton.click();
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('nothing to change');
  await expect(page.getByTestId('plan-keep')).toContainText('inventory, orders, payments, shopper');
  await page.getByRole('button', { name: /^Apply plan/ }).click();
  await expect(dialog).toHaveCount(0);
  await expect(app).toHaveAttribute('data-deployed-rev', '2');
  // rev 2 with every service ready; the pids and ports are the same ones: nothing was restarted
  await expect
    .poll(async () => {
      const s = await deployStatus(id);
      return s.rev === 2 && s.services.every((x) => x.state === 'ready');
    })
    .toBe(true);
  const second = await deployStatus(id);
  expect(byId(second)).toEqual(first);

  // Change payments' latency: the plan restarts only payments. Cancel first: nothing happens.
  await page.getByTestId('node-payments').click();
  const latency = page.getByLabel('Latency (ms)');
  await latency.fill('9');
  await latency.press('Tab');
  await deployButton.click();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('1 restart');
  await expect(page.getByTestId('plan-restart')).toContainText('payments');
  await shot(page, testInfo, 'deploy-plan');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect(byId(await deployStatus(id))).toEqual(first);

  await deployButton.click();
  await page.getByRole('button', { name: 'Apply plan' }).click();
  await expect(app).toHaveAttribute('data-deployed-rev', '3');
  const third = await expect
    .poll(
      async () => {
        const s = await deployStatus(id);
        return s.rev === 3 && s.services.every((x) => x.state === 'ready');
      },
      { timeout: 20_000 },
    )
    .toBe(true)
    .then(() => deployStatus(id));
  const now = byId(third);
  expect(now.payments?.pid).not.toBe(first.payments?.pid);
  expect(now.payments?.port).toBe(first.payments?.port);
  for (const kept of ['shopper', 'orders', 'inventory']) expect(now[kept]).toEqual(first[kept]);
  await expect(page.getByTestId('node-payments')).toHaveAttribute('data-state', 'ready');

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(app).toHaveAttribute('data-deployed-rev', '');
});
