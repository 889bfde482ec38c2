// The real controller (server/dist/main.js) on a free port with a temporary data dir, and a small API client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployStatus, World, WorldRecord } from '@dw/world';
import { start, waitForLine } from './procs.js';

const SERVER_MAIN = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

export interface Controller {
  base: string;
  /** The controller's own process id (for memory and file-descriptor readings). */
  pid: number;
  create(world: World): Promise<WorldRecord>;
  update(record: WorldRecord, world: World): Promise<WorldRecord>;
  /** Deploys the saved world and waits until every service is ready; answers the ids of any that never were. */
  deploy(id: string, timeoutMs: number, opts?: { tolerateNotReady?: boolean }): Promise<string[]>;
  stopDeployment(id: string): Promise<void>;
  cleanup(): void;
}

async function json<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** `env` adds to the controller's environment (e.g. DW_RUNS=0: record no run, DW_MAX_PROCESSES). */
export async function startController(env: Record<string, string> = {}): Promise<Controller> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dw-bench-data-'));
  const child = start(
    SERVER_MAIN,
    { PORT: '0', HOST: '127.0.0.1', DW_DATA: dataDir, LOG_LEVEL: 'warn', ...env },
    'controller',
  );
  const [, base] = await waitForLine(child, /running at (http:\/\/[\d.:]+)/, 20_000, 'controller');
  const url = (path: string) => `${base}${path}`;
  const headers = { 'content-type': 'application/json' };
  return {
    base: base as string,
    pid: child.pid as number,
    create: async (world) =>
      json(await fetch(url('/api/worlds'), { method: 'POST', headers, body: JSON.stringify(world) }), 'create world'),
    update: async (record, world) =>
      json(
        await fetch(url(`/api/worlds/${record.id}`), {
          method: 'PUT',
          headers,
          body: JSON.stringify({ rev: record.rev, world }),
        }),
        'update world',
      ),
    async deploy(id, timeoutMs, opts = {}) {
      const { rev } = await json<{ rev: number }>(
        await fetch(url(`/api/worlds/${id}/deploy`), { method: 'POST' }),
        'deploy',
      );
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await json<DeployStatus>(await fetch(url(`/api/worlds/${id}/deploy`)), 'deploy status');
        // the previous revision may still be running (and ready) while this one replaces it
        if (status.rev === rev && status.services.every((s) => s.state === 'ready')) return [];
        if (Date.now() > deadline) {
          const late = status.services.filter((s) => s.state !== 'ready').map((s) => `${s.id}:${s.state}`);
          if (opts.tolerateNotReady && status.rev === rev) return late;
          throw new Error(`deploy of ${id} not ready after ${timeoutMs} ms: ${late.slice(0, 10).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stopDeployment(id) {
      await json(await fetch(url(`/api/worlds/${id}/deploy`), { method: 'DELETE' }), 'stop');
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
