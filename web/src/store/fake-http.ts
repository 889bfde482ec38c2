// Test helper: the controller's HTTP client answered in memory (the example world "shop" at rev 1), so the store's
// slices can be driven without a controller. The end-to-end specs drive them against the real one.
import { EXAMPLE_WORLD, type WorldRecord } from '@dw/world';
import type { HttpClient } from '../api/http-client';
import { createTrafficStore } from '../live/traffic-store';
import { createEditorStore } from './editor-store';

export function fakeHttp(overrides: Partial<HttpClient> = {}): HttpClient {
  const record: WorldRecord = { id: 'shop', rev: 1, world: structuredClone(EXAMPLE_WORLD) };
  const fail = () => Promise.reject(new Error('not in this test'));
  return {
    health: async () => ({ ok: true }),
    listWorlds: async () => [{ id: 'shop', name: 'shop', updatedAt: '2026-01-01T00:00:00Z' }],
    createWorld: fail,
    getWorld: async () => structuredClone(record),
    saveWorld: async (_id, body) => ({ id: 'shop', rev: body.rev + 1, world: body.world as WorldRecord['world'] }),
    deleteWorld: fail,
    deploy: async () => ({ rev: 2 }),
    deployStatus: async () => ({ rev: null, services: [] }),
    previewDeploy: async () => ({
      deployedRev: 1,
      plan: { start: [], restart: ['orders'], stop: [], keep: [], scale: [] },
      summary: '1 restart',
      budget: { limit: 20, processes: 4, adds: 0, left: 16, fits: true },
    }),
    stop: async () => undefined,
    traces: async () => ({ traces: [] }),
    trace: fail,
    importCompose: fail,
    composeUrl: (id) => `/api/worlds/${id}/compose`,
    serviceCertificate: fail,
    renewIdentities: fail,
    tryGateway: fail,
    storeKeys: fail,
    storeValue: fail,
    deadLetters: fail,
    clearData: fail,
    rotateCa: fail,
    worldRuns: async () => [],
    allRuns: async () => [],
    run: fail,
    runFile: fail,
    runExportUrl: (runId) => `/api/runs/${runId}/export`,
    importRun: fail,
    deleteRun: fail,
    ...overrides,
  };
}

/** A store booted on the example world. */
export async function openExample(http = fakeHttp()) {
  const store = createEditorStore({ http, traffic: createTrafficStore() });
  await store.getState().actions.boot();
  return store;
}
