import { readFileSync } from 'node:fs';
import {
  type ComposeImportResult,
  type ErrorBody,
  type ObserveConfig,
  type ServiceStatusEvent,
  TELEMETRY_TOKEN_HEADER,
  type TelemetryBatch,
  type TrafficFrame,
  type WorldRecord,
} from '@dw/world';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type TempApp, tempApp } from '../testing/temp-app.js';
import { MESH_WORLD } from '../testing/worlds.js';
import { ObservedDeployment, SILENT_AFTER_MS } from './observed-deployment.js';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const fixture = (name: string) => readFileSync(new URL(`../testing/compose/${name}`, import.meta.url), 'utf8');

describe('GET /api/worlds/:id/compose and POST /api/import/compose', () => {
  it('exports a saved world as a compose.yaml download with no key in it', async () => {
    t = await tempApp();
    const created: WorldRecord = (
      await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })
    ).json();
    const response = await t.app.inject(`/api/worlds/${created.id}/compose?observerPort=18123`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/yaml/);
    expect(response.headers['content-disposition']).toBe('attachment; filename="compose.yaml"');
    expect(response.body).not.toMatch(/PRIVATE KEY/);
    const doc = parse(response.body);
    expect(doc['x-distributed-world']).toMatchObject({ world: created.id, name: 'mesh', rev: 1 });
    const observer = doc['x-distributed-world'].observer as string;
    expect(observer).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:18123/\\?world=${created.id}#token=[\\w-]{16,}$`));
    expect(doc.services['dw-observer'].environment.DW_TOKEN).toBe(observer.split('#token=')[1]);
    expect(doc.services['dw-observer'].ports).toEqual(['127.0.0.1:18123:4400']);
    const without = parse((await t.app.inject(`/api/worlds/${created.id}/compose?observer=false`)).body);
    expect(without.services['dw-observer']).toBeUndefined();
    const missing = await t.app.inject('/api/worlds/nope/compose');
    expect(missing.statusCode).toBe(404);
    expect((await t.app.inject(`/api/worlds/${created.id}/compose?observerPort=99999`)).statusCode).toBe(400);
  });

  it('imports raw YAML and JSON bodies as new worlds, with warnings', async () => {
    t = await tempApp();
    const raw = await t.app.inject({
      method: 'POST',
      url: '/api/import/compose',
      headers: { 'content-type': 'application/yaml' },
      payload: fixture('wordpress.yaml'),
    });
    expect(raw.statusCode, raw.body).toBe(201);
    const body: ComposeImportResult = raw.json();
    expect(body.world.services).toHaveLength(5);
    expect(body.warnings.length).toBeGreaterThan(0);
    const saved: WorldRecord = (await t.app.inject(`/api/worlds/${body.id}`)).json();
    expect(saved.world).toEqual(body.world);

    const json = await t.app.inject({
      method: 'POST',
      url: '/api/import/compose',
      payload: { compose: fixture('voting.yaml'), name: 'votes' },
    });
    expect(json.statusCode, json.body).toBe(201);
    expect((json.json() as ComposeImportResult).world.name).toBe('votes');
  });

  it('answers malformed YAML with 400 and where it is', async () => {
    t = await tempApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/import/compose',
      headers: { 'content-type': 'text/yaml' },
      payload: 'services:\n  web:\n    image: [nginx\n',
    });
    expect(response.statusCode).toBe(400);
    const body: ErrorBody = response.json();
    expect(body.error).toBe('malformed-yaml');
    expect(body.message).toMatch(/line \d+, column \d+/);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/import/compose', payload: { yaml: 'x' } });
    expect(wrong.statusCode).toBe(400);
    expect((await t.app.inject('/api/worlds')).json()).toEqual([]);
  });
});

const OBSERVE: ObserveConfig = { worldId: 'mesh-abc123', rev: 4, world: MESH_WORLD, token: 't'.repeat(24) };

function batch(serviceId: string, overrides: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return {
    worldId: OBSERVE.worldId,
    serviceId,
    rev: OBSERVE.rev,
    pid: 1,
    seq: 0,
    at: Date.now(),
    windowMs: 250,
    ready: true,
    calls: [],
    inbound: [],
    refusals: [],
    ...overrides,
  };
}

describe('observe mode', () => {
  it('shows the world from telemetry alone and refuses every change', async () => {
    t = await tempApp({ observe: OBSERVE, frameIntervalMs: 50 });
    const frames: TrafficFrame[] = [];
    t.app.deployer.events.on('frame', (f) => frames.push(f));
    expect((await t.app.inject('/api/health')).json()).toEqual({ ok: true, observing: OBSERVE.worldId });
    const world: WorldRecord = (await t.app.inject(`/api/worlds/${OBSERVE.worldId}`)).json();
    expect(world).toEqual({ id: OBSERVE.worldId, rev: 4, world: MESH_WORLD });
    const before = (await t.app.inject(`/api/worlds/${OBSERVE.worldId}/deploy`)).json();
    expect(before.services.map((s: { state: string }) => s.state)).toEqual([
      'starting',
      'starting',
      'starting',
      'starting',
    ]);

    const post = (b: TelemetryBatch, token = OBSERVE.token) =>
      t!.app.inject({
        method: 'POST',
        url: '/api/telemetry',
        headers: { [TELEMETRY_TOKEN_HEADER]: token },
        payload: b,
      });
    expect((await post(batch('orders'), 'w'.repeat(24))).statusCode).toBe(403);
    const call = { linkId: 'l1', to: 'orders', requests: 7, errors: 0, refused: 0, latencyMsSum: 14, latencyMsMax: 3 };
    for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
      const response = await post(batch(id, id === 'shopper' ? { calls: [call] } : {}));
      expect(response.statusCode).toBe(204);
    }
    const after = (await t.app.inject(`/api/worlds/${OBSERVE.worldId}/deploy`)).json();
    expect(after.services.every((s: { state: string }) => s.state === 'ready')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const l1 = frames.flatMap((f) => f.links).filter((l) => l.id === 'l1');
    expect(l1.reduce((sum, l) => sum + l.requests, 0)).toBe(7);

    for (const [method, url] of [
      ['POST', `/api/worlds/${OBSERVE.worldId}/deploy`],
      ['DELETE', `/api/worlds/${OBSERVE.worldId}/deploy`],
      ['PUT', `/api/worlds/${OBSERVE.worldId}`],
      ['DELETE', `/api/worlds/${OBSERVE.worldId}`],
      ['POST', '/api/worlds'],
      ['POST', '/api/import/compose'],
    ] as const) {
      const response = await t.app.inject({ method, url, payload: {} });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json().error).toBe('observe-only');
    }
  });

  it('marks a service that stops reporting as crashed, and ready again when it is back', () => {
    let now = 1_000_000;
    const events: ServiceStatusEvent[] = [];
    const observed = new ObservedDeployment({
      config: OBSERVE,
      frameIntervalMs: 1000,
      onStatus: (e) => events.push(e),
      onFrame: () => {},
      now: () => now,
    });
    expect(observed.ingest(batch('orders', { rev: 3 }))).toBe('stale');
    expect(observed.ingest(batch('nobody'))).toBe('stale');
    expect(observed.ingest(batch('orders'))).toBe('accepted');
    now += SILENT_AFTER_MS - 1;
    observed.tick();
    expect(events.map((e) => e.state)).toEqual(['ready']);
    now += 2;
    observed.tick();
    expect(events.at(-1)).toMatchObject({ id: 'orders', state: 'crashed', detail: 'no telemetry for 5 s' });
    observed.ingest(batch('orders', { pid: 7 }));
    expect(events.at(-1)).toMatchObject({ id: 'orders', state: 'ready', pid: 7 });
  });
});
