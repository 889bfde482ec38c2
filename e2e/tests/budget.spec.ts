// The controller's process budget in the editor (global-setup.ts gives the controller DW_MAX_PROCESSES=60): the
// plan of a redeploy says how many processes it runs and what the budget leaves; a world that asks for more than
// is left is not deployed: its plan says why and Apply is disabled, and the API refuses it with the same figures.
import type { DeployPreview, ErrorBody, World } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, deployStatus, openNewWorld, shot } from './support';

const limit = Number(process.env.DW_E2E_MAX_PROCESSES);

/** Seven services of ten replicas each: 70 processes, more than the specs' budget of 60. */
const CROWD: World = {
  version: 1,
  name: 'crowd',
  services: Array.from({ length: 7 }, (_, i) => ({
    id: `svc-${i + 1}`,
    kind: 'service' as const,
    position: { x: (i % 4) * 240, y: Math.floor(i / 4) * 160 },
    replicas: 10,
    config: { latencyMs: 1, errorRate: 0 },
  })),
  links: [],
};

/** What the budget has left now, as the controller counts it (other specs' worlds may still run). */
const budgetLeft = async (worldId: string) =>
  (await api<DeployPreview>(`/api/worlds/${worldId}/deploy/plan`, { method: 'POST' })).budget.left;

test('the plan shows the process budget, and a world over it cannot be deployed', async ({ page }, testInfo) => {
  expect(limit).toBe(60);
  const fan = await openNewWorld(page, { ...FAN_WORLD, name: 'budgeted' });
  const deployButton = page.getByRole('button', { name: 'Deploy' });
  const dialog = page.getByRole('dialog');

  // A first deploy that fits starts at once, without a plan.
  await deployButton.click();
  for (const s of FAN_WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  await expect(dialog).toHaveCount(0);

  // Three copies of orders: the plan runs 6 processes, 2 more than now, and says what the budget leaves.
  await page.getByTestId('node-orders').click();
  const replicas = page.getByLabel('Replicas');
  await replicas.fill('3');
  await replicas.press('Tab');
  await deployButton.click();
  await expect(dialog).toBeVisible();
  const budget = page.getByTestId('plan-budget');
  await expect(budget).toHaveAttribute('data-fits', 'true');
  await expect(page.getByTestId('plan-budget-processes')).toHaveText('6');
  await expect(budget).toContainText('(+2)');
  await expect(page.getByTestId('plan-budget-limit')).toHaveText(String(limit));
  const left = await budgetLeft(fan);
  await expect(page.getByTestId('plan-budget-left')).toHaveText(String(left));
  await expect(budget).toContainText(`, ${left - 2} after it`);
  await expect(page.getByRole('button', { name: 'Apply plan' })).toBeEnabled();
  await shot(page, testInfo, 'plan-budget');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // A world of 70 processes: Deploy shows its plan instead of deploying, with the reason, and Apply disabled.
  const crowd = await openNewWorld(page, CROWD);
  const crowdLeft = await budgetLeft(crowd);
  await deployButton.click();
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('7 start');
  await expect(budget).toHaveAttribute('data-fits', 'false');
  await expect(page.getByTestId('plan-budget-processes')).toHaveText('70');
  await expect(page.getByTestId('plan-budget-left')).toHaveText(String(crowdLeft));
  const refusal = page.getByTestId('plan-budget-refusal');
  await expect(refusal).toHaveText(
    `This deploy needs 70 more processes and the process budget has only ${crowdLeft} left. Stop another world ` +
      'or lower replicas, or start the controller with a larger DW_MAX_PROCESSES.',
  );
  const apply = page.getByRole('button', { name: 'Apply plan' });
  await expect(apply).toBeDisabled();
  await expect(apply).toHaveAttribute('title', /needs 70 more processes/);
  await shot(page, testInfo, 'plan-over-budget');
  expect((await deployStatus(crowd)).rev).toBeNull();

  // The controller itself refuses it, with the same figures, and starts nothing.
  const refused = await fetch(new URL(`/api/worlds/${crowd}/deploy`, baseUrl()), { method: 'POST' });
  expect(refused.status).toBe(409);
  const body = (await refused.json()) as ErrorBody;
  expect(body.error).toBe('process-budget');
  expect(body.budget).toEqual({ limit, processes: 70, adds: 70, left: crowdLeft, fits: false });
  expect(body.message).toContain(
    `asks for 70 process(es), but only ${crowdLeft} of the controller's budget of ${limit}`,
  );
  expect((await deployStatus(crowd)).rev).toBeNull();

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await api(`/api/worlds/${fan}/deploy`, { method: 'DELETE' });
});
