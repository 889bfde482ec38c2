import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ComposeImportResult,
  type ErrorBody,
  type ObserveConfig,
  resolvePointer,
  type ServiceStatusEvent,
  TELEMETRY_TOKEN_HEADER,
  type TelemetryBatch,
  type TrafficFrame,
  validateWorld,
  type World,
  type WorldRecord,
} from '@dw/world';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listenLocal, type TempApp, tempApp } from '../testing/temp-app.js';
import { MESH_WORLD } from '../testing/worlds.js';
import { ObservedDeployment, SILENT_AFTER_MS } from './observed-deployment.js';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const fixture = (name: string) => readFileSync(new URL(`../testing/compose/${name}`, import.meta.url), 'utf8');

describe('GET /api/worlds/:id/compose and POST /api/import/compose', () => {
  it('exports a saved world as <name>.compose.yaml, named after the world, with no key in it', async () => {
    t = await tempApp();
    const created: WorldRecord = (
      await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })
    ).json();
    const response = await t.app.inject(`/api/worlds/${created.id}/compose?observerPort=18123`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/yaml/);
    expect(response.headers['content-disposition']).toBe('attachment; filename="mesh.compose.yaml"');
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

/** One anchor of `keys` keys merged `merges` times: a few bytes each, `keys` values each once resolved. */
function mergeBomb(keys: number, merges: number): string {
  const anchor = Array.from({ length: keys }, (_, i) => `k${i}: 0`).join(', ');
  return `x-a: &a {${anchor}}\nservices:\n  web: {image: nginx}\nx-b:\n${'  - {<<: *a}\n'.repeat(merges)}`;
}

/** Hostile shapes that cost the yaml library (or the import after it) far more than their size. */
const HOSTILE: [string, string][] = [
  [
    'one mapping of 30,000 keys (a quadratic duplicate-key check)',
    (() => {
      let text = 'services:\n  web:\n    environment:\n';
      for (let i = 0; i < 30_000; i++) text += `      K${i}: v\n`;
      return text;
    })(),
  ],
  [
    '30,000 aliases of an empty mapping (each alias scans every one before it)',
    `x-a: &a {}\nservices:\n  web: {image: nginx}\nx-b: [${Array(30_000).fill('*a').join(', ')}]\n`,
  ],
  [
    '150 services that each depend on all 150 through one alias (22,350 links)',
    (() => {
      const names = Array.from({ length: 150 }, (_, i) => `s${i}`);
      return `x-all: &all [${names.join(', ')}]\nservices:\n${names.map((n) => `  ${n}: {image: x, depends_on: *all}\n`).join('')}`;
    })(),
  ],
  [
    '200 services sharing 100 environment URLs that name the others (a regex per pair)',
    (() => {
      const env = Array.from({ length: 100 }, (_, i) => `V${i}: http://s${i}:80`).join(', ');
      const services = Array.from({ length: 200 }, (_, i) => `  s${i}: {image: x, environment: *env}\n`).join('');
      return `x-env: &env {${env}}\nservices:\n${services}`;
    })(),
  ],
  ['100,000 nested brackets', `services: {web: {image: x}}\nx-deep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
  [
    'a billion laughs',
    (() => {
      const lines = ['x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 9; i++) {
        const [prev, next] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
        lines.push(`x-${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
      }
      return `${lines.join('\n')}\nservices: {web: {image: x}}\n`;
    })(),
  ],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POSTs `yaml` to a listening app and, until it is answered, asks /api/health every 50 ms: the import's answer,
 * and for each health check how long after it was due it was answered. The test and the app share one event
 * loop, so a blocked loop shows as lateness whether it struck during a check or between two.
 */
async function importWhilePolling(base: string, yaml: string) {
  const started = performance.now();
  let answered = false;
  const importing = fetch(`${base}/api/import/compose`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml,
  })
    .then(async (r) => ({ status: r.status, body: (await r.json()) as ErrorBody, ms: performance.now() - started }))
    .finally(() => {
      answered = true;
    });
  const health: number[] = [];
  for (let k = 1; !answered && performance.now() - started < 120_000; k++) {
    const due = started + k * 50;
    await sleep(Math.max(0, due - performance.now()));
    const r = await fetch(`${base}/api/health`);
    expect(r.status).toBe(200);
    await r.json();
    health.push(Math.round(performance.now() - due));
  }
  return { ...(await importing), health };
}

/** The files in the data dir's worlds/, each checked by the validator the store uses when it starts. */
function savedWorlds(dataDir: string): { file: string; valid: boolean }[] {
  const dir = join(dataDir, 'worlds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, valid: validateWorld(JSON.parse(readFileSync(join(dir, file), 'utf8')).world).ok }));
}

describe('POST /api/import/compose within limits', () => {
  it('refuses a merge-key bomb (an anchor of 8,000 keys merged 800 times) with 413, and /api/health answers meanwhile', async () => {
    t = await tempApp();
    const base = await listenLocal(t.app);
    const bomb = mergeBomb(8000, 800);
    expect(bomb.length).toBeLessThan(100_000);
    const result = await importWhilePolling(base, bomb);
    // health was asked while the import ran, and never answered late (today's code: ~5-10 s)
    expect(result.health.length).toBeGreaterThan(1);
    expect(Math.max(...result.health), `health latencies ${result.health.join(',')}`).toBeLessThan(1000);
    expect(result.status, JSON.stringify(result.body)).toBe(413);
    expect(result.body.error).toBe('compose-too-large');
    // what limit, and how much was asked
    expect(result.body.message).toMatch(/expands to 12,800,801 values .*at most 100,000/);
    expect(savedWorlds(t.dataDir)).toEqual([]);
  }, 120_000);

  it.each(HOSTILE)(
    '%s: a quick answer, never a 5xx, /api/health answers meanwhile, only valid worlds saved',
    async (_name, yaml) => {
      t = await tempApp();
      const base = await listenLocal(t.app);
      const result = await importWhilePolling(base, yaml);
      // The world of an accepted file is built and validated on the main thread (each in its own task, each
      // bounded by the limits): a few hundred ms at most on a loaded 2-core machine. Today's code: 3-25 s.
      expect(result.health.length).toBeGreaterThan(0);
      expect(Math.max(...result.health), `health latencies ${result.health.join(',')}`).toBeLessThan(2000);
      expect(result.status, JSON.stringify(result.body).slice(0, 300)).toBeLessThan(500);
      expect(result.ms, 'the import answered').toBeLessThan(20_000);
      if (result.status >= 400) expect(result.body.message).toMatch(/at most/);
      for (const saved of savedWorlds(t.dataDir))
        expect(saved, 'a saved world that the next start skips').toEqual({ ...saved, valid: true });
    },
    120_000,
  );

  it('imports a large legitimate compose file: 200 services sharing anchors and merge keys', async () => {
    t = await tempApp();
    const lines = [
      'x-logging: &logging {driver: json-file, options: {max-size: 10m, max-file: "3"}}',
      'x-base: &base',
      '  restart: unless-stopped',
      '  logging: *logging',
      '  environment: &env {LOG_LEVEL: info, REGION: eu-west-1, OTEL_EXPORTER: "http://collector:4318"}',
      '  healthcheck: {test: [CMD, curl, -f, "http://localhost/health"], interval: 10s, retries: 3}',
      'services:',
      '  collector: {<<: *base, image: otel/collector}',
    ];
    for (let i = 0; i < 199; i++) {
      lines.push(`  svc-${i}:`, '    <<: *base', `    image: example/svc-${i}:1.0`, `    ports: ["${8000 + i}:80"]`);
      if (i > 0) lines.push(`    depends_on: [svc-${i - 1}]`);
    }
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/import/compose',
      headers: { 'content-type': 'application/yaml' },
      payload: `${lines.join('\n')}\n`,
    });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(201);
    const { world } = response.json() as ComposeImportResult;
    expect(world.services).toHaveLength(200);
    // every service mentions the collector in its environment; each svc-i depends on svc-(i-1)
    expect(world.links).toHaveLength(199 + 198);
    expect(world.links.filter((l) => l.to === 'collector')).toHaveLength(199);
    expect(savedWorlds(t.dataDir)).toEqual([expect.objectContaining({ valid: true })]);
  });
});

/** An exported-looking compose file: each service carries a spawn config (JSON in DW_SPAWN_CONFIG). */
function exportedLike(name: string, services: Record<string, object>): string {
  const lines = ['x-distributed-world:', `  name: ${JSON.stringify(name)}`, 'services:'];
  for (const [id, spawn] of Object.entries(services)) {
    lines.push(`  ${id}:`, '    image: distributed-world:latest', '    environment:');
    lines.push(`      DW_SPAWN_CONFIG: ${JSON.stringify(JSON.stringify({ worldId: 'w-1', ...spawn }))}`);
  }
  return `${lines.join('\n')}\n`;
}
const gen = (behaviour: object, peers = [{ linkId: 'l1', id: 'api' }]) => ({
  kind: 'client',
  behaviour,
  peers,
  allowedCallers: [],
});
const api = (behaviour: object, peers: object[] = [], allowedCallers = ['spiffe://w-1/gen']) => ({
  kind: 'service',
  behaviour,
  peers,
  allowedCallers,
});

/** Compose files whose world does not validate, and where in the file each problem is. */
const INVALID: [string, string, string][] = [
  [
    'rps: 1e9 in a spawn config',
    exportedLike('shop', { gen: gen({ rps: 1e9 }), api: api({}) }),
    '/services/gen/environment/DW_SPAWN_CONFIG',
  ],
  [
    'an unknown field in a spawn config',
    exportedLike('shop', { gen: gen({ rps: 1 }), api: api({ latencyMs: 1, evil: true }) }),
    '/services/api/environment/DW_SPAWN_CONFIG',
  ],
  [
    'a blank name in x-distributed-world',
    exportedLike('   ', { gen: gen({ rps: 1 }), api: api({}) }),
    '/x-distributed-world/name',
  ],
  [
    'a link id that is not one',
    exportedLike('shop', { gen: gen({ rps: 1 }, [{ linkId: 'no spaces, please', id: 'api' }]), api: api({}) }),
    '/services/gen/environment/DW_SPAWN_CONFIG',
  ],
  [
    'a service that calls itself',
    exportedLike('shop', { gen: gen({ rps: 1 }), api: api({}, [{ linkId: 'me', id: 'api' }]) }),
    '/services/api/environment/DW_SPAWN_CONFIG',
  ],
  [
    'a link to a client',
    exportedLike('shop', { gen: gen({ rps: 1 }), api: api({}, [{ linkId: 'back', id: 'gen' }]) }),
    '/services/api/environment/DW_SPAWN_CONFIG',
  ],
];

describe('POST /api/import/compose validates the world before saving it', () => {
  it.each(INVALID)(
    '%s: 400 invalid-world, pointing into the compose file, and nothing written',
    async (_name, yaml, where) => {
      t = await tempApp();
      const before = readdirSync(join(t.dataDir, 'worlds'));
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/import/compose',
        headers: { 'content-type': 'application/yaml' },
        payload: yaml,
      });
      expect(response.statusCode, response.body).toBe(400);
      const body: ErrorBody = response.json();
      expect(body.error).toBe('invalid-world');
      expect(body.problems?.length).toBeGreaterThan(0);
      const doc = parse(yaml);
      for (const problem of body.problems ?? [])
        expect(resolvePointer(doc, problem.pointer).found, problem.pointer).toBe(true);
      expect(body.problems?.map((p) => p.pointer)).toContain(where);
      expect(readdirSync(join(t.dataDir, 'worlds'))).toEqual(before);
      expect((await t.app.inject('/api/worlds')).json()).toEqual([]);
    },
  );

  it('the same files, valid, are saved (the refusals above are about the values, not the shape)', async () => {
    t = await tempApp();
    const yaml = exportedLike('shop', { gen: gen({ rps: 5 }), api: api({ latencyMs: 1 }) });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/import/compose',
      headers: { 'content-type': 'application/yaml' },
      payload: yaml,
    });
    expect(response.statusCode, response.body).toBe(201);
    const { world } = response.json() as { world: World };
    expect(world.links).toEqual([{ id: 'l1', from: 'gen', to: 'api' }]);
    expect(savedWorlds(t.dataDir)).toEqual([expect.objectContaining({ valid: true })]);
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
