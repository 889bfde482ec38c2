// A service that goes down comes back from where the user looks (issue 19): its Process panel (Start, Restart)
// and the deploy plan ("start"). And the totals of a running world go on across a redeploy that changes no
// process: they belong to the deployment's processes, not to a revision.
import type { DeployStatus } from '@dw/world';
import { expect, type Page, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { deployStatus, numberAttr, openNewWorld, shot } from './support';

const payments = async (worldId: string) => {
  const s: DeployStatus = await deployStatus(worldId);
  const p = s.services.find((x) => x.id === 'payments');
  if (!p) throw new Error('payments is not in the deploy status');
  return p;
};

async function deployAll(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of FAN_WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
}

test('a crashed service comes back from its panel and from the plan; Restart replaces a running one', async ({
  page,
}, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD); // payments has no restart policy: killed, it stays down
  await deployAll(page);
  const node = page.getByTestId('node-payments');
  const process = page.getByRole('region', { name: 'Process' });
  const first = await payments(id);

  // Killed: crashed, and the panel offers Start instead of Kill.
  await node.click();
  await process.getByRole('button', { name: 'Kill process' }).click();
  await expect(node).toHaveAttribute('data-state', 'crashed', { timeout: 5_000 });
  await expect(process.getByRole('button', { name: 'Kill process' })).toHaveCount(0);
  await shot(page, testInfo, 'crashed-with-start');
  await process.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(node).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  const started = await payments(id);
  expect(started.pid).not.toBe(first.pid);
  expect(started.port).toBe(first.port); // orders was not restarted: it still calls that port

  // Restart while it runs: a new process on the same port, ready again; not a crash.
  await process.getByRole('button', { name: 'Restart process' }).click();
  await expect.poll(async () => (await payments(id)).pid, { timeout: 15_000 }).not.toBe(started.pid);
  await expect(node).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  const restarted = await payments(id);
  expect(restarted.state).toBe('ready');
  expect(restarted.port).toBe(first.port);

  // Killed again: the Live section says how to bring it back, right under why it is down.
  await process.getByRole('button', { name: 'Kill process' }).click();
  await expect(node).toHaveAttribute('data-state', 'crashed', { timeout: 5_000 });
  const live = page.getByRole('region', { name: 'Live' });
  await live.getByRole('button', { name: 'Start again' }).click();
  await expect(node).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await expect(live.getByRole('button', { name: 'Start again' })).toHaveCount(0);

  // Killed again, then Deploy: the plan says it starts, and applying it brings it back.
  await process.getByRole('button', { name: 'Kill process' }).click();
  await expect(node).toHaveAttribute('data-state', 'crashed', { timeout: 5_000 });
  await page.getByRole('button', { name: 'Deploy' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('1 start');
  await expect(page.getByTestId('plan-start')).toContainText('payments');
  await expect(page.getByTestId('plan-keep')).toContainText('inventory, orders, shopper');
  await shot(page, testInfo, 'plan-starts-the-crashed-service');
  await page.getByRole('button', { name: /^Apply plan/ }).click();
  await expect(node).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  const back = await payments(id);
  expect(back.pid).not.toBe(restarted.pid);
  expect(back.port).toBe(first.port);
  // and orders' calls to it get through again: no new errors on orders -> payments over two seconds
  const l2 = page.getByTestId('link-stats-l2');
  await page.waitForTimeout(1_500); // calls that failed while it was down land within a window
  const errors = await numberAttr(l2, 'data-errors');
  const total = await numberAttr(l2, 'data-total');
  await expect.poll(() => numberAttr(l2, 'data-total'), { timeout: 10_000 }).toBeGreaterThan(total + 5);
  expect(await numberAttr(l2, 'data-errors')).toBe(errors);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(id)).rev, { timeout: 5_000 }).toBeNull();
});

test('totals go on across a redeploy that changes no process', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await deployAll(page);
  const l1 = page.getByTestId('link-stats-l1');
  await expect.poll(() => numberAttr(l1, 'data-total'), { timeout: 15_000 }).toBeGreaterThanOrEqual(30);

  // Move a box and redeploy: nothing to change, and the totals carry on from where they were.
  const box = await page.getByTestId('node-inventory').boundingBox();
  if (!box) throw new Error('inventory is not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 50, box.y + 60, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);
  await page.getByRole('button', { name: 'Deploy' }).click();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('nothing to change');
  const before = await numberAttr(l1, 'data-total');
  await page.getByRole('button', { name: /^Apply plan/ }).click();
  await expect(page.locator('.dw-app')).toHaveAttribute('data-deployed-rev', '2');

  // Every value shown for three seconds after the redeploy is at least the total before it (a reset would
  // show a small number first), and it keeps growing.
  const seen: number[] = [];
  for (let i = 0; i < 12; i++) {
    seen.push(await numberAttr(l1, 'data-total'));
    await page.waitForTimeout(250);
  }
  expect(Math.min(...seen), `totals after the redeploy: ${seen.join(', ')}`).toBeGreaterThanOrEqual(before);
  expect(seen.at(-1)).toBeGreaterThan(before);
  expect((await deployStatus(id)).rev).toBe(2);

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(id)).rev, { timeout: 5_000 }).toBeNull();
});
