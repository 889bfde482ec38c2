import type { DeployStatus, ServiceStats, World, WorldRecord } from '@dw/world';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

export function baseUrl(): string {
  const url = process.env.DW_E2E_URL;
  if (!url) throw new Error('DW_E2E_URL is not set: the global setup did not start the controller');
  return url;
}

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(new URL(path, baseUrl()), init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export const deployStatus = (worldId: string) => api<DeployStatus>(`/api/worlds/${worldId}/deploy`);
export const serviceStats = (worldId: string, serviceId: string) =>
  api<ServiceStats>(`/api/worlds/${worldId}/deploy/services/${serviceId}/stats`);

/** True while a process with this pid exists (signal 0 probes without killing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

export async function worldIdOf(page: Page): Promise<string> {
  const id = await page.locator('[data-world-id]').first().getAttribute('data-world-id');
  if (!id) throw new Error('the page shows no world id');
  return id;
}

export async function numberAttr(locator: Locator, name: string): Promise<number> {
  const value = await locator.getAttribute(name);
  expect(value, `${name} on ${locator}`).not.toBeNull();
  return Number(value);
}

/** Drags from the centre of one element to the centre of another with real mouse moves. */
export async function dragBetween(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('an element to drag between is not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** Saves `world` as a new world through the API and opens it in the page; answers its id. */
export async function openNewWorld(page: Page, world: World): Promise<string> {
  const record = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(world),
  });
  await page.goto(`${baseUrl()}/?world=${record.id}`);
  await expect(page.locator(`[data-world-id="${record.id}"]`)).toBeVisible();
  for (const s of world.services) await expect(page.getByTestId(`node-${s.id}`)).toBeVisible();
  return record.id;
}

/** Saves a screenshot as a test artifact (under test-results/artifacts) and attaches it to the report. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

export const nodeIds = (page: Page) =>
  page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')).sort());
