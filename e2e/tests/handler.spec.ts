// A service's own code, written in the inspector: a code editor that marks a syntax error where it is (and the
// validator's message under it), then a handler that calls payments and answers with what it got; deployed as a
// real process, it answers through the gateway's "try it" box, and its calls to payments count on the link.
import type { World } from '@dw/world';
import { expect, test } from '@playwright/test';
import { numberAttr, openNewWorld, shot } from './support';

const WORLD: World = {
  version: 1,
  name: 'own code',
  services: [
    { id: 'door', kind: 'gateway', position: { x: 0, y: 120 }, config: {} },
    { id: 'checkout', kind: 'service', position: { x: 300, y: 120 }, config: { latencyMs: 2 } },
    { id: 'payments', kind: 'service', position: { x: 600, y: 120 }, config: { latencyMs: 2 } },
  ],
  links: [
    { id: 'l1', from: 'door', to: 'checkout' },
    { id: 'l2', from: 'checkout', to: 'payments' },
  ],
};

const BROKEN = `export default async (request, ctx) => {
  const paid = await ctx.call('payments', { path: '/charge' });
  return { body: { paid: paid.status }, ;
};`;

const HANDLER = `export default async (request, ctx) => {
  const paid = await ctx.call('payments', { path: '/charge' });
  ctx.log('charged', paid.status);
  return { status: 200, body: { from: ctx.service, paid: paid.status, payments: paid.json().serviceId } };
};`;

test('a handler written in the inspector: errors marked inline, then deployed, its answers and its calls', async ({
  page,
}, testInfo) => {
  await openNewWorld(page, WORLD);
  await page.getByTestId('node-checkout').click({ position: { x: 60, y: 12 } });
  await page.getByTestId('handler-add-checkout').click();
  const editor = page.getByTestId('handler-editor-checkout');
  await expect(editor.locator('.cm-content')).toContainText('export default async (request, ctx)');
  // highlighted as JavaScript: keywords are spans of their own
  await expect(editor.locator('.cm-content span').filter({ hasText: /^export$/ })).toHaveCount(1);

  // Broken code: marked at its place in the editor, and the validator's words under it, with its line.
  const content = editor.locator('.cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(BROKEN);
  await expect(editor.locator('.cm-lintRange-error')).toHaveCount(1, { timeout: 5000 });
  await expect(page.getByTestId('handler-message-checkout')).toContainText(
    'the handler does not parse: Unexpected token (line 3, column',
  );
  await shot(page, testInfo, 'handler-syntax-error');

  // Fixed: no mark, no message.
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(HANDLER);
  await expect(editor.locator('.cm-lintRange-error')).toHaveCount(0, { timeout: 5000 });
  await expect(page.getByTestId('handler-message-checkout')).toHaveCount(0);
  await expect(page.getByTestId('node-checkout')).toContainText('its own handler');

  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['door', 'checkout', 'payments']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }

  // Its answers: through the door, what the handler made of payments' answer.
  await page.getByTestId('node-door').click({ position: { x: 60, y: 12 } });
  const tryIt = page.getByRole('region', { name: 'Try it' });
  await tryIt.getByLabel('Path').fill('/checkout/order');
  await tryIt.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('try-answer-door')).toHaveAttribute('data-status', '200');
  expect(JSON.parse((await page.getByTestId('try-body-door').textContent()) ?? '')).toEqual({
    from: 'checkout',
    paid: 200,
    payments: 'payments',
  });

  // Its calls on the diagram: the link to payments counts them.
  const stats = page.getByTestId('link-stats-l2');
  await expect.poll(() => numberAttr(stats, 'data-total'), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  const before = await numberAttr(stats, 'data-total');
  for (let i = 0; i < 3; i++) {
    await tryIt.getByRole('button', { name: 'Send' }).click();
    await expect(tryIt.getByRole('button', { name: 'Send' })).toBeEnabled();
  }
  await expect.poll(() => numberAttr(stats, 'data-total'), { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 3);
  await shot(page, testInfo, 'handler-deployed');
});
