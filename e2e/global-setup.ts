import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The controller's process budget in the specs: the same on every machine (not derived from its memory), room
 * for every spec's worlds together, and small enough that budget.spec.ts can ask for more than it.
 */
export const E2E_MAX_PROCESSES = process.env.DW_E2E_MAX_PROCESSES || '60';

/** The built controller exactly as `npm start` runs it, on a free port and a new, empty data directory. */
export async function startFreshController(): Promise<{ url: string; dataDir: string; stop(): Promise<void> }> {
  const entry = join(root, 'server', 'dist', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'dw-e2e-'));
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DW_DATA: dataDir, DW_MAX_PROCESSES: E2E_MAX_PROCESSES },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await waitForUrl(child);
  return {
    url,
    dataDir,
    async stop() {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One controller shared by the specs (they run one at a time). */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const controller = await startFreshController();
  process.env.DW_E2E_URL = controller.url;
  process.env.DW_E2E_DATA = controller.dataDir;
  process.env.DW_E2E_MAX_PROCESSES = E2E_MAX_PROCESSES;
  return () => controller.stop();
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`the controller did not print its URL within 20 s:\n${output}`)),
      20_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) =>
      fail(new Error(`the controller exited (${code ?? signal}) before it was ready:\n${output}`)),
    );
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
