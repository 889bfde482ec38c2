// Test helper: an app on a fresh temporary data dir, closed and cleaned up afterwards.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../app.js';

export interface TempApp {
  app: FastifyInstance;
  dataDir: string;
  close(): Promise<void>;
}

export async function tempDir(prefix = 'dw-server-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * True while a process with this pid runs (signal 0 probes without killing). A zombie has exited: it only
 * waits to be reaped, which for orphans is up to PID 1 (and some sandboxes' PID 1 never does it).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc here: signal 0 is all we know
  }
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function tempApp(options: Partial<AppOptions> = {}): Promise<TempApp> {
  const dataDir = options.dataDir ?? (await tempDir());
  const app = await buildApp({ seedExample: false, ...options, dataDir });
  return {
    app,
    dataDir,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Listens on a free port of 127.0.0.1 and answers the base URL, for tests that need real sockets. */
export async function listenLocal(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}
