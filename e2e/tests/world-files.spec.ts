// Export and import of world files: a round trip keeps the world; a bad file says what is wrong and where;
// an imported file whose boxes overlap is laid out.
import { readFile } from 'node:fs/promises';
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD, PILED_WORLD } from './fixtures';
import { api, openNewWorld, shot, worldIdOf } from './support';

test('export then import gives the same world under a new id', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  await page.getByRole('button', { name: 'World menu' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export file (.json)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('fan.world.json');
  const path = await file.path();
  const exported = JSON.parse(await readFile(path, 'utf8'));
  expect(exported).toEqual((await api<WorldRecord>(`/api/worlds/${id}`)).world);

  await page.getByTestId('import-file').setInputFiles(path);
  await expect.poll(() => worldIdOf(page)).not.toBe(id);
  const imported = await api<WorldRecord>(`/api/worlds/${await worldIdOf(page)}`);
  // The same world, except its name: a world never takes a name already in use.
  expect(imported.world).toEqual({ ...exported, name: `${exported.name} (2)` });
  for (const s of FAN_WORLD.services) await expect(page.getByTestId(`node-${s.id}`)).toBeVisible();
});

test('an imported file with piled boxes is laid out', async ({ page }) => {
  await openNewWorld(page, FAN_WORLD);
  const before = await worldIdOf(page);
  await page.getByTestId('import-file').setInputFiles({
    name: 'piled.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(PILED_WORLD)),
  });
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  const imported = await api<WorldRecord>(`/api/worlds/${await worldIdOf(page)}`);
  const spots = new Set(imported.world.services.map((s) => `${s.position.x},${s.position.y}`));
  expect(spots.size).toBe(4);
  const x = (id: string) => imported.world.services.find((s) => s.id === id)?.position.x ?? Number.NaN;
  expect(x('shopper')).toBeLessThan(x('orders'));
  expect(x('orders')).toBeLessThan(x('payments'));
});

test('a bad file is refused with every problem and where it is; nothing changes', async ({ page }, testInfo) => {
  const id = await openNewWorld(page, FAN_WORLD);
  const bad = { ...FAN_WORLD, links: [{ id: 'l1', from: 'shopper', to: 'nowhere' }] };
  await page.getByTestId('import-file').setInputFiles({
    name: 'bad.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(bad)),
  });
  const toast = page.getByRole('alert').filter({ hasText: 'Not imported' });
  await expect(toast).toContainText('bad.json is not a valid world');
  await expect(toast).toContainText('/links/0/to');
  await shot(page, testInfo, 'import-error');
  expect(await worldIdOf(page)).toBe(id);

  await page.getByTestId('import-file').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"version": 1,'),
  });
  await expect(page.getByRole('alert').filter({ hasText: 'broken.json is not JSON' })).toBeVisible();
});
