// A link's label shows which way calls go (an arrowhead at the callee), names each figure, selects the link when
// clicked, and on a link too short for it makes room rather than cover the nodes' names.
import type { World } from '@dw/world';
import { expect, type Locator, test } from '@playwright/test';
import { api, numberAttr, openNewWorld } from './support';

const WORLD: World = {
  version: 1,
  name: 'labels',
  services: [
    { id: 'caller', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 10 } },
    { id: 'near', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
    { id: 'far', kind: 'service', position: { x: 700, y: 260 }, config: { latencyMs: 1, errorRate: 0 } },
  ],
  links: [
    { id: 'l1', from: 'caller', to: 'near' },
    { id: 'l2', from: 'caller', to: 'far' },
  ],
} as World;

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`${locator} is not visible`);
  return found;
}

function overlap(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('link labels: an arrowhead, a labelled total, click to select, room on short links', async ({ page }) => {
  const id = await openNewWorld(page, WORLD);
  try {
    // Direction: an arrowhead whose tip is at the callee's side of the link.
    const arrow = await box(page.getByTestId('link-arrow-l2'));
    const far = await box(page.getByTestId('node-far'));
    expect(Math.abs(arrow.x + arrow.width - far.x), 'arrow tip at the callee').toBeLessThan(12);

    await page.getByRole('button', { name: 'Deploy' }).click();
    const long = page.getByTestId('link-stats-l2');
    await expect.poll(() => numberAttr(long, 'data-total'), { timeout: 20_000 }).toBeGreaterThan(0);
    // Each figure is named: the total says "total".
    await expect(long).toContainText(/\d+ total · \d+ err/);

    // Clicking the label selects its link.
    await long.click();
    await expect(page.locator('.dw-inspector__title')).toHaveText('caller → far');

    // The short link's label does not cover caller's or near's name...
    const short = page.getByTestId('link-stats-l1');
    await expect.poll(() => numberAttr(short, 'data-total'), { timeout: 20_000 }).toBeGreaterThan(0);
    for (const node of ['caller', 'near']) {
      const name = await box(page.getByTestId(`node-${node}`).locator('.dw-node__id'));
      const label = await short.boundingBox();
      const visible = await short.isVisible();
      expect(visible && label !== null && overlap(label, name), `l1's label over ${node}'s name`).toBe(false);
    }
    await expect(short).not.toHaveAttribute('data-fit', 'full');
  } finally {
    await api(`/api/worlds/${id}/deploy`, { method: 'DELETE' }).catch(() => undefined);
  }
});
