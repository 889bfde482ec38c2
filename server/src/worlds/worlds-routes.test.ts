import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DeployStatus,
  type ErrorBody,
  EXAMPLE_WORLD,
  resolvePointer,
  type World,
  type WorldRecord,
  type WorldSummary,
} from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { listenLocal, type TempApp, tempApp } from '../testing/temp-app.js';
import { randomWorld } from '../testing/world-generator.js';

let t: TempApp;
beforeAll(async () => {
  t = await tempApp();
});
afterAll(async () => {
  await t.close();
});

const world = (overrides: Partial<World> = {}): World => ({ ...structuredClone(EXAMPLE_WORLD), ...overrides });

async function create(body: unknown) {
  return t.app.inject({ method: 'POST', url: '/api/worlds', payload: body as object });
}

async function createOk(body: World): Promise<WorldRecord> {
  const response = await create(body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('/api/worlds', () => {
  it('answers health', async () => {
    const response = await t.app.inject('/api/health');
    expect(response.json()).toEqual({ ok: true });
  });

  it('creates a world with an id made of its name and a suffix, at rev 1', async () => {
    const record = await createOk(world({ name: 'My Shop!' }));
    expect(record.id).toMatch(/^my-shop-[a-z0-9]{6}$/);
    expect(record.rev).toBe(1);
    expect(record.world).toEqual(world({ name: 'My Shop!' }));
  });

  it('reads a world back and lists worlds newest first', async () => {
    const a = await createOk(world({ name: 'first' }));
    const b = await createOk(world({ name: 'second' }));
    const read = await t.app.inject(`/api/worlds/${a.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(a);
    const list: WorldSummary[] = (await t.app.inject('/api/worlds')).json();
    const ids = list.map((s) => s.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect(list.find((s) => s.id === a.id)).toMatchObject({ name: 'first' });
    expect(Date.parse(list[0]?.updatedAt ?? '')).not.toBeNaN();
  });

  it('updates with the current rev and refuses a stale one with 409, naming the current rev', async () => {
    const a = await createOk(world({ name: 'edit me' }));
    const renamed = world({ name: 'edited' });
    const ok = await t.app.inject({ method: 'PUT', url: `/api/worlds/${a.id}`, payload: { rev: 1, world: renamed } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ id: a.id, rev: 2, world: renamed });

    const stale = await t.app.inject({
      method: 'PUT',
      url: `/api/worlds/${a.id}`,
      payload: { rev: 1, world: renamed },
    });
    expect(stale.statusCode).toBe(409);
    const body: ErrorBody = stale.json();
    expect(body.error).toBe('stale-rev');
    expect(body.message).toContain('rev 2');
    expect((await t.app.inject(`/api/worlds/${a.id}`)).json().rev).toBe(2);
  });

  it('lets exactly one of two concurrent edits of the same rev win', async () => {
    const a = await createOk(world({ name: 'race' }));
    const put = (name: string) =>
      t.app.inject({ method: 'PUT', url: `/api/worlds/${a.id}`, payload: { rev: 1, world: world({ name }) } });
    const codes = (await Promise.all([put('x'), put('y')])).map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
  });

  it('deletes a world: 204, then 404', async () => {
    const a = await createOk(world({ name: 'doomed' }));
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/worlds/${a.id}` });
    expect(deleted.statusCode).toBe(204);
    expect((await t.app.inject(`/api/worlds/${a.id}`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/worlds/${a.id}` })).statusCode).toBe(404);
    const list: WorldSummary[] = (await t.app.inject('/api/worlds')).json();
    expect(list.map((s) => s.id)).not.toContain(a.id);
  });

  it('answers 404 with an ErrorBody for unknown ids and unknown API paths', async () => {
    for (const [method, url, payload] of [
      ['GET', '/api/worlds/nope-123456'],
      ['PUT', '/api/worlds/nope-123456', { rev: 1, world: world() }],
      ['DELETE', '/api/worlds/nope-123456'],
      ['GET', '/api/worlds/nope-123456/deploy'],
      ['POST', '/api/worlds/nope-123456/deploy'],
      ['DELETE', '/api/worlds/nope-123456/deploy'],
      ['GET', '/api/worlds/nope-123456/deploy/services/orders/stats'],
      ['GET', '/api/nothing-here'],
    ] as const) {
      const response = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      const body: ErrorBody = response.json();
      expect(body.error).toBe('not-found');
      expect(body.message.length).toBeGreaterThan(5);
    }
  });

  it('writes one JSON file per world, { id, rev, updatedAt, world }', async () => {
    const a = await createOk(world({ name: 'on disk' }));
    const file = JSON.parse(await readFile(join(t.dataDir, 'worlds', `${a.id}.json`), 'utf8'));
    expect(file).toMatchObject({ id: a.id, rev: 1, world: a.world });
    expect(Date.parse(file.updatedAt)).not.toBeNaN();
    expect((await readdir(join(t.dataDir, 'worlds'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('world validation', () => {
  const base = () => structuredClone(EXAMPLE_WORLD) as unknown as Record<string, any>;
  const cases: [string, (w: Record<string, any>) => void, string][] = [
    ['unknown kind', (w) => (w.services[1].kind = 'database'), '/services/1/kind'],
    ['an id that is not a DNS label', (w) => (w.services[1].id = 'Orders_Service'), '/services/1/id'],
    ['a duplicate service id', (w) => (w.services[2].id = 'orders'), '/services/2/id'],
    ['a link to a missing service', (w) => (w.links[0].to = 'ghost'), '/links/0/to'],
    ['a self-link', (w) => (w.links[0].to = 'shopper'), '/links/0'],
    ['a client as a link target', (w) => w.links.push({ id: 'l9', from: 'orders', to: 'shopper' }), '/links/3/to'],
    ['rps out of range', (w) => (w.services[0].config.rps = 1e9), '/services/0/config/rps'],
    ['errorRate out of range', (w) => (w.services[1].config.errorRate = 1.5), '/services/1/config/errorRate'],
    ['negative latency', (w) => (w.services[1].config.latencyMs = -1), '/services/1/config/latencyMs'],
    ['hopBudget out of range', (w) => (w.settings = { hopBudget: 0 }), '/settings/hopBudget'],
    ['an unknown top-level field', (w) => (w.colour = 'red'), '/colour'],
    ['an unknown service field', (w) => (w.services[1].owner = 'me'), '/services/1/owner'],
    ['an unknown config field', (w) => (w.services[1].config.cpu = 2), '/services/1/config/cpu'],
    ['a duplicate link id', (w) => (w.links[1].id = 'l1'), '/links/1'],
    ['a wrong version', (w) => (w.version = 2), '/version'],
  ];

  function expectProblemAt(body: unknown, response: { statusCode: number; json(): ErrorBody }, expected: string) {
    expect(response.statusCode).toBe(400);
    const error = response.json();
    expect(error.error).toBe('invalid-world');
    expect(error.message).toMatch(/not valid/);
    expect(error.problems?.length).toBeGreaterThan(0);
    for (const problem of error.problems ?? []) {
      expect(resolvePointer(body, problem.pointer).found, `${problem.pointer} resolves in the body`).toBe(true);
      expect(problem.message.length).toBeGreaterThan(5);
    }
    expect(error.problems?.map((p) => p.pointer).some((p) => p === expected || p.startsWith(`${expected}/`))).toBe(
      true,
    );
  }

  for (const [what, mutate, pointer] of cases) {
    it(`refuses ${what} on POST, pointing at ${pointer}`, async () => {
      const body = base();
      mutate(body);
      expectProblemAt(body, await create(body), pointer);
    });

    it(`refuses ${what} on PUT, pointing at /world${pointer}`, async () => {
      const { id } = await createOk(world());
      const body = { rev: 1, world: base() };
      mutate(body.world);
      const response = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload: body });
      expectProblemAt(body, response, `/world${pointer}`);
      expect((await t.app.inject(`/api/worlds/${id}`)).json().rev).toBe(1);
    });
  }

  it('refuses a PUT body without rev, or with fields it does not know', async () => {
    const { id } = await createOk(world());
    for (const payload of [{ world: world() }, { rev: 1, world: world(), extra: true }, { rev: '1', world: world() }]) {
      const response = await t.app.inject({ method: 'PUT', url: `/api/worlds/${id}`, payload });
      expect(response.statusCode).toBe(400);
      const body: ErrorBody = response.json();
      expect(body.error).toBe('invalid-request');
      for (const p of body.problems ?? []) expect(resolvePointer(payload, p.pointer).found).toBe(true);
    }
  });

  it('accepts a few hundred generated valid worlds', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const generated = randomWorld(seed);
      const response = await create(generated);
      expect(response.statusCode, `seed ${seed}: ${response.body}`).toBe(201);
      const record: WorldRecord = response.json();
      expect(record.world).toEqual(generated);
      expect(record.id).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    }
  });
});

describe('garbage never crashes the controller', () => {
  // A controller that listens, as in use: a deploy it accepts starts real processes, so a 4xx here is the
  // body's refusal and not the 503 of an app that could not tell its services where to report.
  let live: TempApp;
  beforeAll(async () => {
    ensureServiceRuntime();
    live = await tempApp();
    await listenLocal(live.app);
  });
  afterAll(async () => {
    await live?.close();
  });

  const bodies: [string, string][] = [
    ['truncated JSON', '{"version":1,'],
    ['not JSON at all', 'hello world'],
    ['an empty body', ''],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"world"'],
    ['an array', '[1,2,3]'],
    ['a deep array', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['prototype poisoning', '{"__proto__":{"admin":true},"version":1}'],
    ['a constructor key', '{"constructor":{"prototype":{}}}'],
    ['wrong types everywhere', '{"version":"1","name":[],"services":{},"links":"x"}'],
    ['services of garbage', '{"version":1,"name":"x","services":[null,1,"a",[],{}],"links":[null,{}]}'],
    ['huge numbers', '{"version":1e400,"name":"x","services":[],"links":[]}'],
  ];

  for (const [what, payload] of bodies) {
    for (const [method, url] of [
      ['POST', '/api/worlds'],
      ['PUT', '/api/worlds/$id'],
      ['POST', '/api/telemetry'],
      ['POST', '/api/worlds/$id/deploy'],
    ] as const) {
      // A deploy takes no body: an empty one is the ordinary call, the control that this controller deploys.
      if (what === 'an empty body' && url.endsWith('/deploy')) continue;
      it(`${method} ${url} with ${what} answers 4xx with an ErrorBody`, async () => {
        const created = await live.app.inject({ method: 'POST', url: '/api/worlds', payload: world() });
        const id: string = created.json().id;
        const response = await live.app.inject({
          method,
          url: url.replace('$id', id),
          payload,
          headers: { 'content-type': 'application/json', 'x-dw-token': 'x'.repeat(32) },
        });
        expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const body: ErrorBody = response.json();
        expect(body.error, response.body).toMatch(/^[a-z-]+$/);
        expect(body.error).not.toBe('not-listening');
        expect(body.message.length, response.body).toBeGreaterThan(5);
        // and nothing was started, nor the world changed
        const status: DeployStatus = (await live.app.inject(`/api/worlds/${id}/deploy`)).json();
        expect(status.rev).toBeNull();
        expect((await live.app.inject(`/api/worlds/${id}`)).json().rev).toBe(1);
      });
    }
  }

  it('POST /api/worlds/$id/deploy with an empty body deploys (the control for the refusals above)', async () => {
    const { id } = (await live.app.inject({ method: 'POST', url: '/api/worlds', payload: world() })).json();
    const response = await live.app.inject({
      method: 'POST',
      url: `/api/worlds/${id}/deploy`,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toEqual({ rev: 1 });
    const stopped = await live.app.inject({ method: 'DELETE', url: `/api/worlds/${id}/deploy` });
    expect(stopped.json().rev).toBeNull();
  });

  it('says what is wrong with malformed JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/worlds',
      payload: '{"version":1,',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'malformed-json' });
    expect(response.json().message).toMatch(/not valid JSON/);
  });

  it('refuses a body that is not JSON by its content type', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/worlds',
      payload: 'version=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toBe('unsupported-media-type');
  });

  it('still answers after all that', async () => {
    expect((await t.app.inject('/api/health')).json()).toEqual({ ok: true });
  });
});
