// Screenshots of the main states for people to look at: empty, editing. (Deployed with traffic comes from
// templates.spec.ts, an error from unsaved-work.spec.ts and world-files.spec.ts.)
import { expect, type Locator, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { baseUrl, openNewWorld, shot, worldIdOf } from './support';

test('empty world, with what to do next', async ({ page }, testInfo) => {
  await page.goto(baseUrl());
  const before = await worldIdOf(page);
  await page.getByRole('button', { name: 'New world' }).click();
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  await expect(page.getByRole('note')).toContainText('Drag a client and a service');
  await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
  await shot(page, testInfo, 'empty');
});

test('editing: a selected node in the inspector, the world menu open', async ({ page }, testInfo) => {
  await openNewWorld(page, FAN_WORLD);
  await page.getByTestId('node-orders').click();
  await expect(page.getByLabel('Service id')).toHaveValue('orders');
  await shot(page, testInfo, 'editing');
  await page.getByRole('button', { name: 'World menu' }).click();
  await expect(page.getByRole('button', { name: 'Duplicate world' })).toBeVisible();
  await shot(page, testInfo, 'world-menu');
});

/**
 * Relative luminance (0 black .. 1 white) of every element a locator matches: [its background as seen (the first
 * ancestor's that is not transparent; the browser's white when none is), its text colour].
 */
async function luminances(locator: Locator): Promise<[number, number][]> {
  return locator.evaluateAll((elements) => {
    const parse = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r = 255, g = 255, b = 255]: number[]) =>
      0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const background = (el: Element | null): number[] => {
      for (let at = el; at; at = at.parentElement) {
        const [r, g, b, alpha = 1] = parse(getComputedStyle(at).backgroundColor);
        if (alpha > 0) return [r ?? 0, g ?? 0, b ?? 0];
      }
      return [255, 255, 255];
    };
    return elements.map((el) => [luminance(background(el)), luminance(parse(getComputedStyle(el).color))]);
  });
}

test.describe('dark theme (following the system)', () => {
  test.use({ colorScheme: 'dark' });
  test('editing in the dark, the world menu open', async ({ page }, testInfo) => {
    await openNewWorld(page, FAN_WORLD);
    await expect(page.locator('.dw-toolbar')).toHaveCSS('background-color', 'rgb(28, 31, 39)'); // dark --dw-surface
    await page.getByTestId('node-payments').click();
    await expect(page.getByLabel('Service id')).toHaveValue('payments');
    await page.getByRole('button', { name: 'World menu' }).click();
    await expect(page.getByRole('button', { name: 'Duplicate world' })).toBeVisible();
    // Every surface in view is dark and its text light: the page, the nodes, the inspector and its fields, the
    // open menu and its items.
    for (const selector of [
      'body',
      '.dw-node',
      '.dw-inspector',
      '.dw-inspector .dw-input',
      '.dw-menu__list',
      '.dw-toolbar',
    ]) {
      const found = await luminances(page.locator(selector));
      expect(found.length, selector).toBeGreaterThan(0);
      for (const [background, text] of found) {
        expect(background, `${selector} background`).toBeLessThan(0.05);
        expect(text, `${selector} text`).toBeGreaterThan(0.5);
      }
    }
    for (const [background, text] of await luminances(page.locator('.dw-menu__item:not(.dw-menu__item--danger)'))) {
      expect(background, 'menu item background').toBeLessThan(0.05);
      expect(text, 'menu item text').toBeGreaterThan(0.5);
    }
    await shot(page, testInfo, 'editing-dark');
  });
});
