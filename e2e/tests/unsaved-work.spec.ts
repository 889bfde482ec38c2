// Hard to lose work: an unsaved mark, a warning before leaving with unsaved work, autosave, and a save that meets
// a newer revision from another tab keeping its draft until the person chooses to reload.
import type { WorldRecord } from '@dw/world';
import { expect, type Page, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, openNewWorld, shot } from './support';

test('leaving with unsaved work asks first; staying keeps the draft', async ({ page }, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD);
  // A negative rate: the draft cannot be saved (nor autosaved) until it is fixed.
  await page.getByTestId('node-shopper').click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('-5');
  await rps.press('Tab');
  await expect(page.getByText('rate (req/s) must be at least 0, not -5')).toBeVisible();
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
  await shot(page, testInfo, 'error-state');

  const asked: string[] = [];
  page.once('dialog', (dialog) => {
    asked.push(dialog.type());
    void dialog.dismiss(); // stay
  });
  // Closing the tab as a person would: the page's beforeunload handler runs and the browser asks.
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByLabel('Requests per second')).toHaveValue('-5');
  expect((await api<WorldRecord>(`/api/worlds/${id}`)).rev).toBe(1);
});

test('a valid edit is autosaved, and then leaving asks nothing', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-shopper').click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('33');
  await rps.press('Tab');
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0, { timeout: 15_000 });
  const saved = await api<WorldRecord>(`/api/worlds/${id}`);
  expect(saved.rev).toBe(2);
  expect(saved.world.services.find((s) => s.id === 'shopper')?.config).toEqual({ rps: 33 });

  let asked = false;
  page.on('dialog', (dialog) => {
    asked = true;
    void dialog.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toBe(false);
});

test('two tabs edit one world: the later save meets 409, keeps its draft until Reload is clicked', async ({
  page,
  context,
}, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD);
  const other = await context.newPage();
  await other.goto(`${baseUrl()}/?world=${id}`);
  await expect(other.getByTestId('node-shopper')).toBeVisible();
  const rpsOf = (p: Page) => p.getByLabel('Requests per second');
  const shopperRps = async () =>
    (await api<WorldRecord>(`/api/worlds/${id}`)).world.services.find((s) => s.id === 'shopper')?.config;

  // The other tab saves first (Ctrl+S): rev 2 on the server.
  await other.getByTestId('node-shopper').click();
  await rpsOf(other).fill('33');
  await rpsOf(other).press('Tab');
  await other.keyboard.press('Control+s');
  await expect(other.getByTestId('unsaved-mark')).toHaveCount(0);
  await expect.poll(async () => (await api<WorldRecord>(`/api/worlds/${id}`)).rev).toBe(2);

  // This tab, still on rev 1, edits; its autosave meets the real server's refusal of a stale revision.
  const refused = page.waitForResponse(
    (r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `/api/worlds/${id}`,
  );
  await page.getByTestId('node-shopper').click();
  await rpsOf(page).fill('55');
  await rpsOf(page).press('Tab');
  const answer = await refused;
  expect(answer.status()).toBe(409);
  expect((await answer.json()).error).toBe('stale-rev');
  const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this world' });
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText('rev 2');
  await shot(page, testInfo, 'save-conflict');
  // Nothing of the other tab's work was overwritten, and this tab's draft is still there, marked unsaved.
  expect(await shopperRps()).toEqual({ rps: 33 });
  await expect(rpsOf(page)).toHaveValue('55');
  await expect(page.getByTestId('unsaved-mark')).toBeVisible();

  // Reload, as asked: the other tab's version replaces the draft, and this tab saves on top of it from now on.
  await conflict.getByRole('button', { name: 'Reload' }).click();
  await expect(conflict).toHaveCount(0);
  await page.getByTestId('node-shopper').click();
  await expect(rpsOf(page)).toHaveValue('33');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);
  await rpsOf(page).fill('44');
  await rpsOf(page).press('Tab');
  await page.keyboard.press('Control+s');
  await expect.poll(async () => (await api<WorldRecord>(`/api/worlds/${id}`)).rev).toBe(3);
  expect(await shopperRps()).toEqual({ rps: 44 });
  await other.close();
});
