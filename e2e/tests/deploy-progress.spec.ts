/// <reference lib="dom" />
// Deploy progress as a person sees it: each node passes identity -> starting -> ready, and the status pill counts
// the services at each step. The steps can take milliseconds, so the page records every change of a node's
// data-deploy-step (and of the pill's text) with a MutationObserver; the test reads that log, not a passing state.
// A redeploy shows progress on the restarted service only.
import { DEPLOY_STEPS } from '@dw/world';
import { expect, type Page, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { openNewWorld, shot } from './support';

interface Seen {
  /** The node's id, "pill" for the deploy status pill, "summary" for the canvas card counting steps. */
  id: string;
  /** data-deploy-step (null when removed), or the pill's text. */
  value: string | null;
  t: number;
}

/** Starts recording in the page; what was recorded is read with `seen()`. */
function record(page: Page): Promise<void> {
  return page.evaluate(() => {
    const log: Seen[] = [];
    (window as unknown as { __seen: Seen[] }).__seen = log;
    const texts: Record<string, string | null> = { pill: null, summary: null };
    const textOf = { pill: '[data-testid="deploy-status"]', summary: '[data-testid="deploy-progress"]' };
    new MutationObserver((mutations) => {
      const t = performance.now();
      for (const m of mutations) {
        const el = m.target instanceof Element ? m.target : null;
        if (m.type === 'attributes' && el?.matches('[data-testid^="node-"]')) {
          log.push({
            id: el.getAttribute('data-testid')?.slice(5) ?? '',
            value: el.getAttribute('data-deploy-step'),
            t,
          });
        }
      }
      for (const [id, selector] of Object.entries(textOf)) {
        const text = document.querySelector(selector)?.textContent ?? null;
        if (text !== texts[id]) log.push({ id, value: text, t });
        texts[id] = text;
      }
    }).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-deploy-step'],
      childList: true,
      characterData: true,
    });
  });
}

/** What was recorded since the last call (and forgets it). */
const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen.splice(0));
/** What was recorded since the last call to `seen` (kept). */
const peek = (page: Page) => page.evaluate(() => [...(window as unknown as { __seen: Seen[] }).__seen]);

/** Per node, the steps it showed, in order (removals and repeats left out). */
function stepsById(log: Seen[]): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const { id, value } of log) {
    if (id === 'pill' || id === 'summary' || value === null) continue;
    const steps = by[id] ?? [];
    if (steps.at(-1) !== value) steps.push(value);
    by[id] = steps;
  }
  return by;
}

test('each node shows identity -> starting -> ready while it deploys; a redeploy only on what restarts', async ({
  page,
}, testInfo) => {
  await openNewWorld(page, FAN_WORLD);
  const ids = FAN_WORLD.services.map((s) => s.id);
  await record(page);
  const pill = page.getByTestId('deploy-status');

  await page.getByRole('button', { name: 'Deploy' }).click();
  // a look at the canvas while it deploys (the steps are fast: this catches whatever step it is at)
  await expect(pill).toContainText('Deploying ·');
  await shot(page, testInfo, 'deploying');
  for (const id of ids) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-deploy-step', 'ready');
  }
  await expect(pill).toHaveText('Running', { timeout: 20_000 });
  await expect(page.locator('[data-testid^="deploy-steps-"]')).toHaveCount(0); // done: the steps make way
  const first = await seen(page);
  const steps = stepsById(first);
  for (const id of ids) expect(steps[id], `the steps ${id} showed`).toEqual([...DEPLOY_STEPS]);
  // the pill counted them: "Deploying · … n/4 ready" with n going up, never down
  const counts = first
    .filter((s) => s.id === 'pill')
    .map((s) => /(\d+)\/4 ready/.exec(s.value ?? '')?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  expect(counts.length).toBeGreaterThan(0);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  // the canvas card counted the services at each step, and they add up to the four of the deploy
  const cards = first.filter((s) => s.id === 'summary' && s.value !== null).map((s) => s.value as string);
  expect(cards.length).toBeGreaterThan(0);
  for (const card of cards) {
    const m = /Deploying rev 1(\d+) identity issued(\d+) starting(\d+)\/4 ready/.exec(card);
    expect(m, card).not.toBeNull();
    const [identity, starting, ready] = (m as RegExpExecArray).slice(1).map(Number) as [number, number, number];
    expect(identity + starting + ready).toBeLessThanOrEqual(4);
  }
  await expect(page.getByTestId('deploy-progress')).toHaveCount(0); // gone once every service is ready

  // Redeploy with a changed payments: only payments goes through the steps again.
  await page.getByTestId('node-payments').click();
  const latency = page.getByLabel('Latency (ms)');
  await latency.fill('9');
  await latency.press('Tab');
  // let the autosave land first: Apply plan saving at the same time would be refused as a stale rev (409)
  await expect(page.getByText('saved · rev 2')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Deploy' }).click();
  await expect(page.getByTestId('deploy-plan-summary')).toHaveText('1 restart');
  await page.getByRole('button', { name: 'Apply plan' }).click();
  await expect(page.locator('.dw-app')).toHaveAttribute('data-deployed-rev', '2', { timeout: 20_000 });
  // the answer to the deploy comes at once; the steps of rev 2 follow (payments shows ready from rev 1 until then)
  await expect
    .poll(async () => stepsById(await peek(page)).payments?.at(-1) === 'ready', { timeout: 30_000 })
    .toBe(true);
  await expect(pill).toHaveText('Running', { timeout: 20_000 });
  const log = await seen(page);
  expect(stepsById(log), JSON.stringify(log)).toEqual({ payments: [...DEPLOY_STEPS] });
  for (const id of ['shopper', 'orders', 'inventory']) {
    await expect(page.getByTestId(`node-${id}`)).not.toHaveAttribute('data-deploy-step', /.*/);
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready');
  }

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.locator('.dw-app')).toHaveAttribute('data-deployed-rev', '');
});
