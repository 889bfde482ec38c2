// The live view comes back by itself, with the page left open: after its socket is dropped, and after the
// controller is stopped and started again (on the same port and data, resuming the world). Its own controller,
// not the shared one, since it is restarted here.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployStatus, World, WorldRecord } from '@dw/world';
import { expect, type Page, test, type WebSocketRoute } from '@playwright/test';
import { numberAttr } from './support';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const WORLD: World = {
  version: 1,
  name: 'recovering',
  services: [
    { id: 'shopper', kind: 'client', position: { x: 0, y: 60 }, config: { rps: 20 } },
    { id: 'orders', kind: 'service', position: { x: 320, y: 60 }, config: { latencyMs: 2, errorRate: 0 } },
  ],
  links: [{ id: 'l1', from: 'shopper', to: 'orders' }],
};

let dataDir: string;
let port: number;
let base: string;
let controller: ChildProcess | undefined;

/** The built controller on `port` with `dataDir`, as `npm start` runs it; answers once it prints its URL. */
async function startController(): Promise<void> {
  const entry = join(root, 'server', 'dist', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DW_DATA: dataDir,
      DW_MAX_PROCESSES: process.env.DW_E2E_MAX_PROCESSES ?? '60',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  controller = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`running at ${base}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the controller exited (${code}):\n${output}`)));
  });
}

/** SIGTERM (every deployment stopped, the deployed worlds recorded for the next start), then its exit. */
async function stopController(): Promise<void> {
  const child = controller;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(new URL(path, base), init);
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const json = (body: unknown): RequestInit => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Waits until the page's numbers for l1 grow: frames are arriving, now. */
async function framesArrive(page: Page, what: string): Promise<void> {
  const stats = page.getByTestId('link-stats-l1');
  await expect(stats, what).toBeVisible({ timeout: 20_000 });
  const from = await numberAttr(stats, 'data-total');
  await expect.poll(() => numberAttr(stats, 'data-total'), { message: what, timeout: 20_000 }).toBeGreaterThan(from);
}

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dw-e2e-recovery-'));
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  base = `http://127.0.0.1:${port}`;
  await startController();
});

test.afterAll(async () => {
  await stopController();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the live view recovers after its socket is dropped, and after the controller restarts', async ({ page }) => {
  const record = await api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(WORLD),
  });
  const id = record.id;
  await api(`/api/worlds/${id}/deploy`, { method: 'POST' });

  // Every socket.io connection the page opens goes through here, to the real controller, so it can be cut.
  const routes: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    routes.push({ page: ws, server: ws.connectToServer() });
  });
  await page.goto(`${base}/?world=${id}`);
  for (const s of WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  await expect(page.locator('[data-deployed-rev="1"]')).toBeVisible();
  await framesArrive(page, 'frames over the first socket');

  // 1. The socket drops (both ends closed, as a network failure would): the page connects again by itself and
  // watches the world again. Only the new connection can carry what arrives from now on.
  await expect.poll(() => routes.length).toBeGreaterThan(0);
  const dropped = routes.length;
  for (const route of routes) {
    await route.page.close().catch(() => undefined);
    await route.server.close().catch(() => undefined);
  }
  await expect.poll(() => routes.length, { message: 'a new socket', timeout: 15_000 }).toBeGreaterThan(dropped);
  await framesArrive(page, 'frames over the new socket');
  await expect(page.getByTestId('node-orders')).toHaveAttribute('data-state', 'ready');

  // 2. The controller restarts with the page open. The world was saved since it was deployed (rev 2), so the
  // restarted controller resumes rev 2: the page showing rev 2 deployed is news only the new controller sent.
  const saved = await api<WorldRecord>(`/api/worlds/${id}`);
  const faster: World = {
    ...saved.world,
    services: saved.world.services.map((s) => (s.kind === 'client' ? { ...s, config: { rps: 25 } } : s)),
  };
  expect((await api<WorldRecord>(`/api/worlds/${id}`, json({ rev: 1, world: faster }))).rev).toBe(2);
  const before = (await api<DeployStatus>(`/api/worlds/${id}/deploy`)).services.map((s) => s.pid);
  await stopController();
  await startController();
  await expect.poll(async () => (await api<DeployStatus>(`/api/worlds/${id}/deploy`)).rev, { timeout: 20_000 }).toBe(2);
  await expect(page.locator('[data-deployed-rev="2"]')).toBeVisible({ timeout: 20_000 });
  for (const s of WORLD.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  await framesArrive(page, 'frames from the restarted controller');
  const after = (await api<DeployStatus>(`/api/worlds/${id}/deploy`)).services.map((s) => s.pid);
  expect(after.some((pid) => before.includes(pid))).toBe(false);
  await api(`/api/worlds/${id}/deploy`, { method: 'DELETE' });
});
