import { EXAMPLE_WORLD, type RunDetail, type RunSummary } from '@dw/world';
import { expect, type Page, test } from '@playwright/test';
import { api, deployStatus, numberAttr, openNewWorld, shot } from './support';

/** Deploys from the toolbar, lets traffic flow for `seconds` (with `during` after the first one), then stops. */
async function recordRun(page: Page, worldId: string, seconds: number, during?: () => Promise<void>) {
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  await expect
    .poll(() => numberAttr(page.getByTestId('link-stats-l2'), 'data-rate'), { timeout: 10_000 })
    .toBeGreaterThan(0);
  await page.waitForTimeout(1_000);
  await during?.();
  await page.waitForTimeout(seconds * 1000);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect.poll(async () => (await deployStatus(worldId)).rev, { timeout: 10_000 }).toBeNull();
  // the run ends once the deployment stopped
  await expect
    .poll(async () => (await api<RunSummary[]>(`/api/worlds/${worldId}/runs`))[0]?.endedAt ?? null, { timeout: 5_000 })
    .not.toBeNull();
  return (await api<RunSummary[]>(`/api/worlds/${worldId}/runs`))[0] as RunSummary;
}

test('a run with a fault replays on the diagram, and compares worse than a clean run', async ({ page }, testInfo) => {
  // the example world without its random errors, so that every error is the fault's
  const world = structuredClone(EXAMPLE_WORLD);
  world.name = 'runs';
  for (const service of world.services) if (service.kind === 'service') service.config.errorRate = 0;
  const worldId = await openNewWorld(page, world);

  const clean = await recordRun(page, worldId, 2);
  const faulty = await recordRun(page, worldId, 3, async () => {
    await api(`/api/worlds/${worldId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'abort', linkId: 'l2', percent: 100 }),
    });
  });
  const detail = await api<RunDetail>(`/api/runs/${faulty.runId}`);
  expect(detail.links.find((l) => l.id === 'l2')?.errors).toBeGreaterThan(0);
  expect((await api<RunDetail>(`/api/runs/${clean.runId}`)).links.find((l) => l.id === 'l2')?.errors).toBe(0);

  // open the faulty run: the page says it is a replay, and nothing can be deployed from it
  await page.getByTestId('runs-button').click();
  const panel = page.getByTestId('runs-panel');
  await expect(panel.getByTestId(`run-${faulty.runId}`)).toBeVisible();
  await expect(panel.getByTestId(`run-${clean.runId}`)).toBeVisible();
  await panel.getByTestId(`run-${faulty.runId}`).getByRole('button', { name: 'Replay' }).click();
  await expect(page.getByTestId('replay-banner')).toContainText(`Replay of run ${faulty.runId} (rev 1)`);
  await expect(page.getByRole('button', { name: 'Deploy', exact: true })).toHaveCount(0);

  // at its start nothing failed; scrubbed to the fault, the link shows its errors and the fault
  const l2 = page.getByTestId('link-stats-l2');
  await page.getByTestId('replay-event-deploy').click();
  await expect(page.getByTestId('link-faults-l2')).toHaveCount(0);
  await page.getByTestId('replay-event-fault').click();
  await expect(page.getByTestId('link-faults-l2')).toHaveAttribute('data-faults', 'abort');
  await expect.poll(() => numberAttr(l2, 'data-errors'), { timeout: 5_000 }).toBeGreaterThan(0);
  // the end of the run: the errors the run's summary counted
  const timeline = page.getByRole('slider', { name: 'Timeline' });
  await timeline.focus();
  await page.keyboard.press('End');
  await expect.poll(() => numberAttr(l2, 'data-errors')).toBe(detail.links.find((l) => l.id === 'l2')?.errors);
  await shot(page, testInfo, 'replay-at-the-fault');

  // back to live: the banner goes, the toolbar comes back
  await page.getByRole('button', { name: 'Back to live', exact: true }).click();
  await expect(page.getByTestId('replay-banner')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Deploy', exact: true })).toBeVisible();

  // compare the clean run (A) with the faulty one (B): orders -> payments got worse, on the table and the diagram
  await page.getByTestId('runs-button').click();
  await panel.getByRole('checkbox', { name: `Compare run ${clean.runId}` }).check();
  await panel.getByRole('checkbox', { name: `Compare run ${faulty.runId}` }).check();
  await panel.getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByTestId('compare-view');
  await expect(compare.getByTestId('compare-link-l2')).toHaveAttribute('data-verdict', 'worse');
  await expect(page.getByTestId('link-arrow-l2')).toHaveAttribute('data-verdict', 'worse');
  await expect(compare.getByTestId('compare-world-diff')).toContainText('Same world');
  await shot(page, testInfo, 'compare-clean-and-faulty');
});
