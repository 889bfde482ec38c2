// The editor at the window sizes people have (issue 19): a small laptop (1024x700), a common one (1440x900) and a
// large screen (1920x1080). A running world with a selected link and then a selected node must show every header
// control whole and apart, the world's full name, the palette to its end, the diagram fitted to the canvas with no
// overlay (minimap, zoom buttons, diagram bar) over a node, and after Auto layout every link label whole and clear
// of the nodes. A new empty world says one thing about deploying, in the header and in the inspector alike.
import { expect, type Page, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, numberAttr, openNewWorld, shot, worldIdOf } from './support';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Named boxes, read in the page in one go. */
type Named = { name: string; box: Box };

/** True when two boxes share more than a hairline (touching edges do not count). */
const overlap = (a: Box, b: Box) =>
  a.x + 0.5 < b.x + b.width && b.x + 0.5 < a.x + a.width && a.y + 0.5 < b.y + b.height && b.y + 0.5 < a.y + a.height;

const label = (n: Named) =>
  `${n.name} [${Math.round(n.box.x)},${Math.round(n.box.y)} ${Math.round(n.box.width)}x${Math.round(n.box.height)}]`;

/** Every pair of these boxes that overlap, as words. */
function overlapping(boxes: readonly Named[], others: readonly Named[] = boxes): string[] {
  const found: string[] = [];
  for (const [i, a] of boxes.entries()) {
    for (const [j, b] of others.entries()) {
      if (others === boxes && j <= i) continue;
      if (overlap(a.box, b.box)) found.push(`${label(a)} overlaps ${label(b)}`);
    }
  }
  return found;
}

/** The header's controls: the brand, each button and select, the status pill, the revision and saved marks. */
function headerControls(page: Page): Promise<Named[]> {
  return page.locator('header.dw-toolbar').evaluate((header) => {
    const selector = [
      '.dw-brand',
      'button',
      'select',
      '[data-testid="deploy-status"]',
      '[data-testid="deployed-rev"]',
      '[data-testid="unsaved-mark"]',
      '.dw-toolbar__world > .dw-muted',
    ].join(',');
    return [...header.querySelectorAll<HTMLElement>(selector)]
      .filter((el) => el.checkVisibility() && !el.closest('[hidden]'))
      .map((el) => {
        const r = el.getBoundingClientRect();
        const name =
          el.getAttribute('aria-label') ||
          el.getAttribute('data-testid') ||
          el.textContent?.trim().slice(0, 30) ||
          el.className;
        return { name, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
      })
      .filter((c) => c.box.width > 0 && c.box.height > 0);
  });
}

function boxesOf(page: Page, selector: string): Promise<Named[]> {
  return page.locator(selector).evaluateAll((els) =>
    els
      .filter((el) => (el as HTMLElement).checkVisibility())
      .map((el) => {
        const r = el.getBoundingClientRect();
        const name = el.getAttribute('data-testid') || el.getAttribute('data-id') || el.className.toString();
        return { name, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
      }),
  );
}

/** The selected world's text in the picker against the room the picker gives it, in CSS pixels. */
function pickerFit(page: Page) {
  return page.getByLabel('Open world').evaluate((el) => {
    const select = el as HTMLSelectElement;
    const text = select.selectedOptions[0]?.text ?? '';
    const style = getComputedStyle(select);
    const context = document.createElement('canvas').getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return {
      text,
      textWidth: context.measureText(text).width,
      room: select.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight),
      scrollWidth: select.scrollWidth,
      clientWidth: select.clientWidth,
    };
  });
}

async function checkLayout(page: Page, worldName: string, what: string, viewport: { width: number; height: number }) {
  // The header: every control whole, inside the window, and apart from the others.
  const controls = await headerControls(page);
  expect(controls.length, 'header controls found').toBeGreaterThan(8);
  expect.soft(overlapping(controls), `${what}: header controls that overlap`).toEqual([]);
  const outside = controls
    .filter((c) => c.box.x < 0 || c.box.y < 0 || c.box.x + c.box.width > viewport.width + 0.5)
    .map(label);
  expect.soft(outside, `${what}: header controls outside the window`).toEqual([]);

  // The world picker shows the whole name, not "un…".
  const picker = await pickerFit(page);
  expect.soft(picker.text, `${what}: the picker's text`).toContain(worldName);
  expect.soft(picker.scrollWidth, `${what}: picker scrollWidth <= clientWidth`).toBeLessThanOrEqual(picker.clientWidth);
  expect
    .soft(picker.textWidth, `${what}: the picker's text "${picker.text}" fits its ${Math.round(picker.room)} px`)
    .toBeLessThanOrEqual(picker.room + 1);

  // The canvas: every node inside it, none under an overlay (minimap, zoom buttons, diagram bar, attribution).
  const [pane] = await boxesOf(page, '.react-flow');
  if (!pane) throw new Error('no canvas');
  const nodes = await boxesOf(page, '.react-flow__node');
  expect(nodes.length).toBe(FAN_WORLD.services.length);
  const cut = nodes
    .filter(
      (n) =>
        n.box.x < pane.box.x ||
        n.box.y < pane.box.y ||
        n.box.x + n.box.width > pane.box.x + pane.box.width ||
        n.box.y + n.box.height > pane.box.y + pane.box.height,
    )
    .map(label);
  expect.soft(cut, `${what}: nodes cut off by the canvas's edge`).toEqual([]);
  const minimap = await boxesOf(page, '.react-flow__minimap');
  expect(minimap, 'the minimap shows').toHaveLength(1);
  const overlays = [
    ...minimap,
    ...(await boxesOf(page, '.react-flow__controls')),
    ...(await boxesOf(page, '.dw-canvas-bar')),
    ...(await boxesOf(page, '.react-flow__attribution')),
  ];
  expect.soft(overlapping(overlays, nodes), `${what}: overlays over nodes`).toEqual([]);

  // The palette, its legend included: in view, or scrollable to its end.
  const palette = page.getByRole('complementary', { name: 'Palette' });
  await palette.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  const [paletteBox] = await boxesOf(page, '.dw-palette');
  const legend = await boxesOf(page, '.dw-legend li');
  if (!paletteBox) throw new Error('no palette');
  expect(legend.length, 'legend entries').toBe(3);
  expect
    .soft(paletteBox.box.y + paletteBox.box.height, `${what}: the palette's bottom`)
    .toBeLessThanOrEqual(viewport.height + 0.5);
  const hidden = legend
    .filter((l) => l.box.y < paletteBox.box.y || l.box.y + l.box.height > paletteBox.box.y + paletteBox.box.height)
    .map(label);
  expect.soft(hidden, `${what}: legend entries out of the palette's view at its end`).toEqual([]);
  expect
    .soft(
      await palette.evaluate((el) => el.scrollWidth <= el.clientWidth),
      `${what}: the palette has no sideways scroll`,
    )
    .toBe(true);
  await palette.evaluate((el) => el.scrollTo(0, 0));

  // Link labels: whole (not shrunk to the rate or hidden) and clear of every node.
  const labels = await boxesOf(page, '[data-testid^="link-stats-"]');
  expect(labels.length, 'link labels').toBe(FAN_WORLD.links.length);
  const fits = await page
    .locator('[data-testid^="link-stats-"]')
    .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-testid')}=${el.getAttribute('data-fit')}`));
  expect.soft(fits, `${what}: every link label whole`).toEqual(FAN_WORLD.links.map((l) => `link-stats-${l.id}=full`));
  expect.soft(overlapping(labels, nodes), `${what}: labels over nodes`).toEqual([]);
  expect.soft(overlapping(labels), `${what}: labels over labels`).toEqual([]);

  return { pane: pane.box, nodes: nodes.map((n) => n.box) };
}

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
] as const;

for (const viewport of SIZES) {
  const size = `${viewport.width}x${viewport.height}`;
  test.describe(`at ${size}`, () => {
    test.use({ viewport });

    test(`a running world at ${size}: header, picker, palette, fitted diagram, labels clear`, async ({
      page,
    }, testInfo) => {
      const name = `Checkout fan-out ${size}`;
      const id = await openNewWorld(page, { ...FAN_WORLD, name });
      try {
        // Auto layout leaves room for the labels; the diagram is fitted to the canvas after it.
        await page.getByRole('button', { name: 'Auto layout' }).click();
        await page.getByRole('button', { name: 'Deploy' }).click();
        for (const s of FAN_WORLD.services) {
          await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
        }
        for (const l of FAN_WORLD.links) {
          await expect
            .poll(() => numberAttr(page.getByTestId(`link-stats-${l.id}`), 'data-rate'), { timeout: 20_000 })
            .toBeGreaterThan(0);
        }
        await expect(page.getByTestId('deploy-status')).toHaveText('Running');
        // the view settles: nodes have grown their live lines, a fit animates
        await page.waitForTimeout(800);

        await page.getByTestId('link-stats-l2').click();
        await expect(page.locator('.dw-inspector__title')).toHaveText('orders → payments');
        await shot(page, testInfo, `running-${size}-link-selected`);
        await checkLayout(page, name, 'link selected', viewport);

        await page.getByTestId('node-orders').click();
        await expect(page.getByLabel('Service id')).toHaveValue('orders');
        await shot(page, testInfo, `running-${size}-node-selected`);
        const { pane, nodes } = await checkLayout(page, name, 'node selected', viewport);

        // Fitted: the diagram fills a fair share of the canvas, at every size (1920x1080 most of all).
        const left = Math.min(...nodes.map((n) => n.x));
        const right = Math.max(...nodes.map((n) => n.x + n.width));
        const top = Math.min(...nodes.map((n) => n.y));
        const bottom = Math.max(...nodes.map((n) => n.y + n.height));
        const share = Math.max((right - left) / pane.width, (bottom - top) / pane.height);
        expect
          .soft(share, `the diagram's share of the canvas (${Math.round(pane.width)}x${Math.round(pane.height)})`)
          .toBeGreaterThan(0.6);
      } finally {
        await api(`/api/worlds/${id}/deploy`, { method: 'DELETE' }).catch(() => undefined);
      }
    });
  });
}

test.describe('a new empty world', () => {
  test.use({ viewport: { width: 1024, height: 700 } });

  test('says one thing about deploying: nothing to deploy yet, neither an error nor ready', async ({
    page,
  }, testInfo) => {
    await page.goto(baseUrl());
    const before = await worldIdOf(page);
    await page.getByRole('button', { name: 'New world' }).click();
    await expect.poll(() => worldIdOf(page)).not.toBe(before);
    await expect(page.getByRole('button', { name: 'Deploy' })).toBeDisabled();
    await shot(page, testInfo, 'empty-world-1024x700');

    // Not "ready to deploy" anywhere, and no error: nothing is wrong with an empty world.
    await expect.soft(page.getByText(/ready to deploy/i)).toHaveCount(0);
    await expect.soft(page.getByText(/Nothing drawn yet/)).toHaveCount(0);
    // One message, the same words in the header and in the inspector, in a neutral tone.
    const header = page.getByTestId('deploy-readiness');
    const inspector = page.getByTestId('world-readiness');
    await expect(header).toBeVisible();
    await expect(inspector).toBeVisible();
    await expect(header).toHaveAttribute('data-tone', 'empty');
    await expect(inspector).toHaveAttribute('data-tone', 'empty');
    expect(await inspector.textContent()).toContain((await header.textContent())?.trim() ?? '');
    const danger = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--dw-danger)';
      document.body.append(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return colour;
    });
    for (const message of [header, inspector]) {
      expect(await message.evaluate((el) => getComputedStyle(el).color), 'not in the danger colour').not.toBe(danger);
    }
    // The Deploy button's tooltip gives the same reason.
    await expect(page.getByRole('button', { name: 'Deploy' })).toHaveAttribute(
      'title',
      new RegExp((await header.textContent())?.trim() ?? ''),
    );
  });
});
