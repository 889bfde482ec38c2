// A controller bound beyond loopback (remote mode), in the browser: the editor opened at /#token=... loads its
// files without the token, then sends it on every API call and in the socket.io handshake. Its own controller
// on 127.0.0.2 (still this machine), not the shared one.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = 'an-e2e-remote-token-of-enough-length';
let child: ChildProcess;
let dataDir: string;
let base: string;

test.beforeAll(async () => {
  const entry = join(root, 'server', 'dist', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  dataDir = mkdtempSync(join(tmpdir(), 'dw-e2e-remote-'));
  child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.2', DW_ALLOW_REMOTE: '1', DW_TOKEN: TOKEN, DW_DATA: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/127\.0\.0\.2:\d+)\/#token=/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
});

test.afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM'); // stops every deployment
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('the editor opened at /#token=... loads, calls the API and watches the world live with the token', async ({
  page,
}) => {
  const refused: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 401 || response.status() === 403) refused.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${base}/#token=${TOKEN}`);
  // the example world, read with the token, and the fragment gone from the address bar
  await expect(page.getByTestId('node-orders')).toBeVisible();
  await expect(page).not.toHaveURL(/token=/);
  // states arrive only over the socket: a deploy shown ready means the handshake carried the token
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
  expect(refused).toEqual([]);
  // and the same page without its token is refused everything but its own files
  const anonymous = await page.context().browser()?.newContext();
  const other = await anonymous?.newPage();
  if (!other || !anonymous) throw new Error('no second context');
  const statuses: number[] = [];
  other.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) statuses.push(response.status());
  });
  const document = await other.goto(`${base}/`);
  expect(document?.status()).toBe(200);
  await expect.poll(() => statuses.length).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set([401]));
  await anonymous.close();
});
