import { readFile } from 'node:fs/promises';
import type { WorldRecord } from '@dw/world';
import { expect, test } from '@playwright/test';
import { api, baseUrl, worldIdOf } from './support';

const STACK = `# a small public-style stack
x-common: &common
  restart: unless-stopped
services:
  web:
    <<: *common
    image: nginx:1.25-alpine
    ports:
      - target: 80
        published: 8080
    environment:
      API_URL: http://api:3000
  api:
    <<: *common
    image: ghcr.io/example/api:2
    depends_on: [db, cache]
  db:
    image: postgres:16
    env_file: .env
  cache:
    image: redis:7
volumes:
  data: {}
`;

// The imported world is removed afterwards, so other specs open on the example world as before.
let importedId: string | undefined;
test.afterEach(async () => {
  if (importedId) await fetch(new URL(`/api/worlds/${importedId}`, baseUrl()), { method: 'DELETE' });
  importedId = undefined;
});

test('import a compose file, see it drawn with its warnings, export it as compose.yaml', async ({ page }, testInfo) => {
  await page.goto(baseUrl());
  const before = await worldIdOf(page);
  await page.getByTestId('import-compose-file').setInputFiles({
    name: 'compose.yaml',
    mimeType: 'application/yaml',
    buffer: Buffer.from(STACK),
  });
  await expect.poll(() => worldIdOf(page)).not.toBe(before);
  importedId = await worldIdOf(page);
  for (const id of ['web', 'api', 'db', 'cache']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await expect(page.getByTestId('node-origin-web')).toHaveText('nginx:1.25-alpine · ports 8080:80');
  await expect(page.locator('.react-flow__edge')).toHaveCount(3);
  await expect(page.getByText('Imported compose.yaml: 4 services, 3 links')).toBeVisible();
  await expect(page.getByText('/services/db/env_file: env_file is not read')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('imported.png') });

  const worldId = await worldIdOf(page);
  const saved = await api<WorldRecord>(`/api/worlds/${worldId}`);
  expect(saved.world.services.find((s) => s.id === 'web')?.kind).toBe('gateway'); // nginx in front: the door from outside

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export compose' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('compose.yaml');
  const text = await readFile(await download.path(), 'utf8');
  expect(text).not.toContain('PRIVATE KEY');
  for (const id of ['web', 'api', 'db', 'cache', 'dw-pki', 'dw-observer']) expect(text).toContain(`\n  ${id}:\n`);
  expect(text).toContain(`world: ${worldId}`);
});
