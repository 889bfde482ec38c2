// Worlds: rename (the World name field), duplicate, delete after a confirmation.
import type { WorldRecord, WorldSummary } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, openNewWorld, worldIdOf } from './support';

test('rename, duplicate, then delete a world (after confirming)', async ({ page }) => {
  const id = await openNewWorld(page, FAN_WORLD);
  const name = page.getByLabel('World name');
  await name.fill('renamed fan');
  await name.press('Tab');
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('unsaved-mark')).toHaveCount(0);
  expect((await api<WorldRecord>(`/api/worlds/${id}`)).world.name).toBe('renamed fan');

  await page.getByRole('button', { name: 'World menu' }).click();
  await page.getByRole('button', { name: 'Duplicate world' }).click();
  await expect.poll(() => worldIdOf(page)).not.toBe(id);
  const copyId = await worldIdOf(page);
  const copy = await api<WorldRecord>(`/api/worlds/${copyId}`);
  expect(copy.world.name).toBe('renamed fan copy');
  expect(copy.world.services).toEqual(FAN_WORLD.services);
  expect(copy.world.links).toEqual(FAN_WORLD.links);

  // Dismissing the confirmation deletes nothing; accepting it deletes the copy and opens another world.
  page.once('dialog', (dialog) => void dialog.dismiss());
  await page.getByRole('button', { name: 'World menu' }).click();
  await page.getByRole('button', { name: 'Delete world…' }).click();
  await page.getByRole('button', { name: 'World menu' }).click();
  expect((await fetch(`${baseUrl()}/api/worlds/${copyId}`)).status).toBe(200);
  expect(await worldIdOf(page)).toBe(copyId);
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('renamed fan copy');
    void dialog.accept();
  });
  await page.getByRole('button', { name: 'Delete world…' }).click();
  await expect.poll(async () => (await fetch(`${baseUrl()}/api/worlds/${copyId}`)).status).toBe(404);
  await expect.poll(() => worldIdOf(page)).not.toBe(copyId);
  const listed = await api<WorldSummary[]>('/api/worlds');
  expect(listed.map((w) => w.id)).not.toContain(copyId);
  expect(listed.map((w) => w.id)).toContain(id);
});
