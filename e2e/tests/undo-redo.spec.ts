// Undo and redo over every kind of edit: add, connect, delete, edit a field (and move), by keyboard and buttons.
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { dragBetween, nodeIds, openNewWorld } from './support';

test('undo and redo add, connect, delete and a field edit', async ({ page }) => {
  await openNewWorld(page, FAN_WORLD);
  const edges = page.locator('.react-flow__edge');
  const undoButton = page.getByRole('button', { name: 'Undo', exact: true });
  const redoButton = page.getByRole('button', { name: 'Redo', exact: true });
  await expect(undoButton).toBeDisabled();

  // add (palette click adds at the view's centre)
  await page.getByTestId('palette-service').click();
  await expect(page.getByTestId('node-service-1')).toBeVisible();
  // connect orders -> service-1
  const handle = (id: string, type: 'source' | 'target') =>
    page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${type}`);
  await dragBetween(page, handle('orders', 'source'), handle('service-1', 'target'));
  await expect(edges).toHaveCount(4);
  // edit a field
  await page.getByTestId('node-shopper').click();
  const rps = page.getByLabel('Requests per second');
  await rps.fill('42');
  await rps.press('Tab');
  await expect(page.getByTestId('node-shopper')).toContainText('42');
  // delete payments (and its link) with the Delete key
  await page.getByTestId('node-payments').click();
  await page.locator('.react-flow__pane').focus();
  await page.getByTestId('node-payments').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-payments')).toHaveCount(0);
  await expect(edges).toHaveCount(3);

  // Undo step by step: Ctrl+Z on the diagram, and the button.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-payments')).toBeVisible();
  await expect(edges).toHaveCount(4);
  await undoButton.click();
  await page.getByTestId('node-shopper').click();
  await expect(page.getByLabel('Requests per second')).toHaveValue('10');
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+z');
  await expect(edges).toHaveCount(3);
  await undoButton.click();
  await expect(page.getByTestId('node-service-1')).toHaveCount(0);
  expect(await nodeIds(page)).toEqual(['inventory', 'orders', 'payments', 'shopper']);
  await expect(undoButton).toBeDisabled();

  // Redo all four: Ctrl+Shift+Z and the button.
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-service-1')).toBeVisible();
  await redoButton.click();
  await expect(edges).toHaveCount(4);
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-payments')).toHaveCount(0);
  await expect(redoButton).toBeDisabled();
  await page.getByTestId('node-shopper').click();
  await expect(page.getByLabel('Requests per second')).toHaveValue('42');

  // Ctrl+Z inside a text field is the field's own undo, not the diagram's: the last edit (payments deleted)
  // stays done, and is still the one the diagram's own Ctrl+Z undoes afterwards.
  const before = await nodeIds(page);
  await page.getByLabel('Requests per second').focus();
  await page.keyboard.press('Control+z');
  expect(await nodeIds(page)).toEqual(before);
  await expect(edges).toHaveCount(3);
  await expect(redoButton).toBeDisabled();
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-payments')).toBeVisible();
  expect(await nodeIds(page)).toEqual([...before, 'payments'].sort());
  await page.getByTestId('node-shopper').click();
  await expect(page.getByLabel('Requests per second')).toHaveValue('42');
});

test('Ctrl+Z and Ctrl+Shift+Z inside an inspector field never undo or redo a diagram edit', async ({ page }) => {
  await openNewWorld(page, FAN_WORLD);
  const undoButton = page.getByRole('button', { name: 'Undo', exact: true });
  const redoButton = page.getByRole('button', { name: 'Redo', exact: true });
  // Two diagram edits, the second undone: the diagram has one edit to undo and one to redo.
  await page.getByTestId('palette-service').click();
  await expect(page.getByTestId('node-service-1')).toBeVisible();
  await page.getByTestId('palette-service').click();
  await expect(page.getByTestId('node-service-2')).toBeVisible();
  await undoButton.click();
  await expect(page.getByTestId('node-service-2')).toHaveCount(0);
  const before = await nodeIds(page);
  await page.getByTestId('node-shopper').click();
  for (const label of ['Requests per second', 'Service id']) {
    const field = page.getByLabel(label);
    await field.focus();
    for (const keys of ['Control+z', 'Control+Shift+z', 'Control+y', 'Control+z']) {
      await page.keyboard.press(keys);
      expect(await nodeIds(page), `${keys} in ${label}`).toEqual(before);
    }
    await expect(field).toBeFocused();
  }
  await expect(page.getByLabel('Service id')).toHaveValue('shopper');
  await expect(page.getByLabel('Requests per second')).toHaveValue('10');
  // The control: the same keys on the diagram redo and undo those edits.
  await expect(undoButton).toBeEnabled();
  await expect(redoButton).toBeEnabled();
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-service-2')).toBeVisible();
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-service-1')).toHaveCount(0);
  expect(await nodeIds(page)).toEqual(['inventory', 'orders', 'payments', 'shopper']);
});
