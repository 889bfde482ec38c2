// Automatic layout on demand: overlapping boxes come apart, in layers left to right along the links.
import { expect, type Page, test } from '@playwright/test';
import { PILED_WORLD } from './fixtures';
import { openNewWorld, shot } from './support';

type Box = { x: number; y: number; width: number; height: number };
type Boxes = Record<'shopper' | 'orders' | 'payments' | 'inventory', Box>;

async function boxes(page: Page): Promise<Boxes> {
  const out: Partial<Boxes> = {};
  for (const s of PILED_WORLD.services) {
    const box = await page.getByTestId(`node-${s.id}`).boundingBox();
    if (!box) throw new Error(`node ${s.id} is not visible`);
    out[s.id as keyof Boxes] = box;
  }
  return out as Boxes;
}

const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('Auto layout separates piled boxes into layers, and undo puts them back', async ({ page }, testInfo) => {
  await openNewWorld(page, PILED_WORLD);
  const before = await boxes(page);
  expect(overlap(before.orders, before.payments)).toBe(true);

  await page.getByRole('button', { name: 'Auto layout' }).click();
  // Layers in order and no two boxes overlapping, once the view has settled (fit view animates the zoom).
  const overlapping = (b: Boxes) => {
    const all = Object.entries(b);
    return all.flatMap(([x, boxX]) =>
      all.filter(([y, boxY]) => x < y && overlap(boxX, boxY)).map(([y]) => `${x}/${y}`),
    );
  };
  await expect
    .poll(async () => {
      const b = await boxes(page);
      const layered = b.shopper.x < b.orders.x && b.orders.x < b.payments.x && b.payments.x === b.inventory.x;
      return layered ? overlapping(b) : ['not layered yet'];
    })
    .toEqual([]);
  await shot(page, testInfo, 'auto-layout');

  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect
    .poll(async () => {
      const b = await boxes(page);
      return overlap(b.orders, b.payments);
    })
    .toBe(true);
});
