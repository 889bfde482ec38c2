import { readFile } from 'node:fs/promises';
import type { World, WorldRecord, WorldService } from '@dw/world';
import { expect, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, openNewWorld, worldIdOf } from './support';

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
let made: string[] = [];
test.afterEach(async () => {
  for (const id of [importedId, ...made]) {
    if (id) await fetch(new URL(`/api/worlds/${id}`, baseUrl()), { method: 'DELETE' });
  }
  importedId = undefined;
  made = [];
});

test('import a compose file, see it drawn with its warnings, export it named after the world', async ({
  page,
}, testInfo) => {
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
  expect(download.suggestedFilename()).toBe('imported.compose.yaml');
  const text = await readFile(await download.path(), 'utf8');
  expect(text).not.toContain('PRIVATE KEY');
  for (const id of ['web', 'api', 'db', 'cache', 'dw-pki', 'dw-observer']) expect(text).toContain(`\n  ${id}:\n`);
  expect(text).toContain(`world: ${worldId}`);
});

/** The fan world with what compose itself cannot say: restart policies, a scenario, a hand-made layout. */
const ROUND_TRIP: World = {
  ...FAN_WORLD,
  name: 'Round Trip Shop',
  services: FAN_WORLD.services.map((node, i): WorldService => {
    const moved = { ...node, position: { x: 40 + i * 230, y: 30 + (i % 2) * 140 } } as WorldService;
    if (node.id === 'orders') return { ...moved, restart: 'always' } as WorldService;
    if (node.id === 'payments') return { ...moved, restart: 'on-failure' } as WorldService;
    return moved;
  }),
  scenarios: [
    {
      name: 'payments down',
      durationS: 6,
      steps: [{ atS: 1, do: 'kill', serviceId: 'payments' }],
      assertions: ['errors(orders) < 100%'],
    },
  ],
};

test('a world exported as compose and imported back keeps its scenarios, restart policies and layout, under a name of its own', async ({
  page,
}) => {
  const original = await openNewWorld(page, ROUND_TRIP);
  made.push(original);
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export compose' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('round-trip-shop.compose.yaml');
  const text = await readFile(await download.path(), 'utf8');
  expect(text).toMatch(/^ {4}restart: "no"$/m); // the client and inventory: the world's default, as locally

  await page.getByTestId('import-compose-file').setInputFiles({
    name: download.suggestedFilename(),
    mimeType: 'application/yaml',
    buffer: Buffer.from(text),
  });
  await expect.poll(() => worldIdOf(page)).not.toBe(original);
  importedId = await worldIdOf(page);
  await expect(
    page.getByText('a world is already named "Round Trip Shop": this one is "Round Trip Shop (2)"'),
  ).toBeVisible();
  for (const node of ROUND_TRIP.services) await expect(page.getByTestId(`node-${node.id}`)).toBeVisible();

  const back = (await api<WorldRecord>(`/api/worlds/${importedId}`)).world;
  expect(back.name).toBe('Round Trip Shop (2)');
  expect(back.scenarios).toEqual(ROUND_TRIP.scenarios);
  expect(back.services).toEqual(ROUND_TRIP.services);
  expect(back.links).toEqual(ROUND_TRIP.links);
});
