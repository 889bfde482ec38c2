import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { api, deployStatus, openNewWorld, shot } from './support';

test('a scenario built in the panel from scratch is checked as it is typed, saved with the world, and plays', async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000); // the run deploys four processes first: slow on a busy machine
  const world = structuredClone(EXAMPLE_WORLD);
  world.name = 'scenario from scratch';
  for (const service of world.services) if (service.kind === 'service') service.config.errorRate = 0;
  const worldId = await openNewWorld(page, world);
  const panel = page.getByRole('region', { name: 'Scenarios' });
  await expect(panel).toContainText('Break it on purpose');

  await panel.getByRole('button', { name: '+ Add scenario' }).click();
  await panel.getByLabel('Scenario', { exact: true }).fill('slow payments');
  await panel.getByLabel('Runs for').fill('5');

  // One step: +150 ms on orders -> payments, picked from the world's links; first typed past the end of the run
  await panel.getByRole('button', { name: '+ Add step' }).click();
  const step = panel.getByTestId('step-0');
  await step.getByLabel('Step 1 link').selectOption({ label: 'orders → payments' });
  await step.getByLabel('Step 1 latency').fill('150');
  await step.getByLabel('Step 1 time').fill('9');
  await expect(step).toHaveClass(/dw-scenario-item--invalid/);
  await expect(step).toContainText('comes after the end of the run (5 s)');

  // One check: p99 of orders -> payments under 1 s; first with no threshold, which the server's rules refuse
  await panel.getByRole('button', { name: '+ Add check' }).click();
  const check = panel.getByTestId('check-0');
  await expect(check.getByLabel('Check 1 metric')).toHaveValue('errors');
  await check.getByLabel('Check 1 threshold').fill('');
  await expect(check).toHaveClass(/dw-scenario-item--invalid/);
  await expect(check).toContainText('cannot read assertion "errors(shopper) < %"');
  await expect(panel.getByRole('button', { name: /Play slow payments/ })).toBeDisabled();
  await shot(page, testInfo, 'scenario-being-built');

  await step.getByLabel('Step 1 time').fill('1');
  await check.getByLabel('Check 1 metric').selectOption('p99');
  await check.getByLabel('Check 1 target').selectOption({ label: 'orders → payments' });
  await check.getByLabel('Check 1 threshold').fill('1');
  await check.getByLabel('Check 1 unit').selectOption('s');
  await expect(step).not.toHaveClass(/dw-scenario-item--invalid/);
  await expect(check).not.toHaveClass(/dw-scenario-item--invalid/);

  // Autosave, as for any edit: the world file on the controller has the scenario
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0, { timeout: 10_000 });
  const saved = await api<WorldRecord>(`/api/worlds/${worldId}`);
  expect(saved.world.scenarios).toEqual([
    {
      name: 'slow payments',
      durationS: 5,
      steps: [{ atS: 1, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 150 } }],
      assertions: ['p99(orders->payments) < 1s'],
    },
  ]);

  // A reload shows it as saved
  await page.reload();
  await expect(page.locator(`[data-world-id="${worldId}"]`)).toBeVisible();
  await expect(panel.getByLabel('Scenario', { exact: true })).toHaveValue('slow payments');
  await expect(panel.getByTestId('step-0').getByLabel('Step 1 latency')).toHaveValue('150');
  await expect(panel.getByTestId('step-0').getByLabel('Step 1 link')).toHaveValue('l2');
  await expect(panel.getByTestId('check-0').getByLabel('Check 1 threshold')).toHaveValue('1');

  // Play it: the fault shows on the diagram, then the verdict of the check
  await panel.getByRole('button', { name: /Play slow payments/ }).click();
  await expect(page.getByTestId('link-faults-l2')).toContainText('+150 ms', { timeout: 45_000 });
  const run = page.getByTestId('scenario-run');
  await expect(run).toHaveAttribute('data-done', 'true', { timeout: 30_000 });
  await expect(run).toHaveAttribute('data-passed', 'true');
  await expect(run).toContainText('+150 ms on link orders → payments');
  await expect(run).toContainText('PASS p99(orders->payments)');
  await run.scrollIntoViewIfNeeded();
  await shot(page, testInfo, 'scenario-played');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(worldId)).rev, { timeout: 5_000 }).toBeNull();
});
