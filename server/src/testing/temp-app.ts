// Test helper: an app on a fresh temporary data dir, closed and cleaned up afterwards.
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
