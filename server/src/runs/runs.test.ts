// Runs with real processes: a deploy is recorded until it stops, its totals per link are what the services counted,
// a run survives its controller's kill -9, limits evict the oldest ended runs and never the running one, and an
// exported run imported into another controller gives the same totals; a CA rotation and a renewal are events.
import { execFileSync } from 'node:child_process';
import { appendFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type IdentityRoll,
  type RunDetail,
  type RunFile,
  type RunFramesPage,
  type RunSummary,
  type ServiceStats,
  type TrafficFrame,
  validateWorld,
} from '@dw/world';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerProcess } from '../testing/controller-process.js';
import { type DeployedWorld, deployWatched } from '../testing/deployed-world.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { isAlive, type TempApp, tempApp, tempDir, waitFor } from '../testing/temp-app.js';
import { MESH_WORLD, PAIR_WORLD } from '../testing/worlds.js';
import { type parseRecords, RunStore } from './run-store.js';

const json = async <T>(app: FastifyInstance, url: string): Promise<T> => {
  const response = await app.inject(url);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json() as T;
};

/** Sum of a link's requests over the frames whose window closed at or before `at`. */
const recordedUpTo = (frames: TrafficFrame[], linkId: string, at: number) =>
  frames.filter((f) => f.at <= at).reduce((sum, f) => sum + (f.links.find((l) => l.id === linkId)?.requests ?? 0), 0);

async function stopAndWaitForEnd(app: FastifyInstance, worldId: string): Promise<RunSummary> {
  expect((await app.inject({ method: 'DELETE', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(200);
  return waitFor('the run to end', async () => {
    const [run] = await json<RunSummary[]>(app, `/api/worlds/${worldId}/runs`);
    return run?.endedAt != null ? run : undefined;
  });
}

describe('a recorded run of a real mesh', () => {
  let deployed: DeployedWorld;
  let run: RunSummary;
  let detail: RunDetail;
  let recorded: TrafficFrame[];
  let rotated: IdentityRoll;
  let renewed: IdentityRoll;
  const checks: {
    linkId: string;
    callee: string;
    caller: string;
    sentAt: number;
    answeredAt: number;
    accepted: number;
  }[] = [];

  beforeAll(async () => {
    deployed = await deployWatched(MESH_WORLD, []);
    const { t, worldId } = deployed;
    // while it runs, the run is listed without an end, and cannot be deleted
    const [running] = await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`);
    expect(running?.endedAt).toBeNull();
    const refused = await t.app.inject({ method: 'DELETE', url: `/api/runs/${running?.runId}` });
    expect(refused.statusCode, refused.body).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // what each callee counted itself, per caller, read over mTLS while the world runs
    for (const link of MESH_WORLD.links) {
      const sentAt = Date.now();
      const stats = await json<ServiceStats>(t.app, `/api/worlds/${worldId}/deploy/services/${link.to}/stats`);
      checks.push({
        linkId: link.id,
        callee: link.to,
        caller: link.from,
        sentAt,
        answeredAt: Date.now(),
        accepted: stats.accepted[link.from] ?? 0,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // a CA rotation, then a renewal, while it runs: both are events of the run
    const roll = async (what: string) => {
      const r = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy/${what}` });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as IdentityRoll;
    };
    rotated = await roll('rotate-ca');
    renewed = await roll('renew');
    run = await stopAndWaitForEnd(t.app, worldId);
    detail = await json<RunDetail>(t.app, `/api/runs/${run.runId}`);
    recorded = (await json<RunFramesPage>(t.app, `/api/runs/${run.runId}/frames`)).frames;
  }, 60_000);

  afterAll(async () => {
    deployed?.socket.close();
    await deployed?.t.close();
  });

  it('lists the run with its revision, start, end and frames', () => {
    expect(run).toMatchObject({ worldId: deployed.worldId, rev: 1, frames: recorded.length });
    expect(run.endedAt).toBeGreaterThan(run.startedAt);
    expect(recorded.length).toBeGreaterThan(10);
    expect(detail.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['deploy', 'stop']));
    expect(validateWorld(detail.world).ok).toBe(true);
  });

  it('records a CA rotation and a renewal as events to jump to, in order, naming the new CA', () => {
    const kinds = detail.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'rotation' || k === 'renewal')).toEqual(['rotation', 'renewal']);
    const rotation = detail.events.find((e) => e.kind === 'rotation');
    expect(rotation?.text).toContain(rotated.ca.fingerprint256.slice(0, 11));
    expect(rotation?.text).toContain(`${rotated.reloaded} process(es) reloaded`);
    const renewal = detail.events.find((e) => e.kind === 'renewal');
    expect(renewal?.text).toContain(`${renewed.reloaded} process(es) reloaded`);
    expect(renewed.ca.fingerprint256).toBe(rotated.ca.fingerprint256); // a renewal keeps the CA
    // between the deploy and the stop
    const at = (kind: string) => detail.events.find((e) => e.kind === kind)?.at ?? Number.NaN;
    expect(at('rotation')).toBeGreaterThan(at('deploy'));
    expect(at('rotation')).toBeLessThanOrEqual(at('renewal'));
    expect(at('renewal')).toBeLessThanOrEqual(at('stop'));
  });

  it("records per link what the callee counted, within a window's lag", () => {
    for (const check of checks) {
      const link = detail.links.find((l) => l.id === check.linkId);
      expect(link, check.linkId).toBeDefined();
      // a call the caller reported before the stats were asked for was accepted by then; what the callee
      // accepted before it answered is reported by the caller within a telemetry interval and one window
      const before = recordedUpTo(recorded, check.linkId, check.sentAt);
      const after = recordedUpTo(recorded, check.linkId, check.answeredAt + 100 + 200 + 100);
      expect(check.accepted, `${check.caller} -> ${check.callee}`).toBeGreaterThan(0);
      expect(check.accepted, `${check.caller} -> ${check.callee}`).toBeGreaterThanOrEqual(before);
      expect(check.accepted, `${check.caller} -> ${check.callee}`).toBeLessThanOrEqual(after);
    }
  });

  it("totals per link are the controller's own since-deploy totals of the last frame", () => {
    const last = recorded.at(-1) as TrafficFrame;
    for (const link of last.links) {
      expect(detail.links.find((l) => l.id === link.id)?.requests, link.id).toBe(link.total.requests);
      expect(detail.links.find((l) => l.id === link.id)?.errors, link.id).toBe(link.total.errors);
    }
  });

  it('pages frames by time, bounded', async () => {
    const { app } = deployed.t;
    const middle = recorded[5] as TrafficFrame;
    const page = await json<RunFramesPage>(app, `/api/runs/${run.runId}/frames?from=${middle.at}&limit=3`);
    expect(page.frames.map((f) => f.at)).toEqual(recorded.slice(5, 8).map((f) => f.at));
    expect(page.next).toBe(recorded[8]?.at);
    const between = await json<RunFramesPage>(
      app,
      `/api/runs/${run.runId}/frames?from=${middle.at}&to=${recorded[7]?.at}`,
    );
    expect(between).toEqual({ runId: run.runId, frames: recorded.slice(5, 7), next: null });
    const bad = await app.inject(`/api/runs/${run.runId}/frames?limit=99999`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0].pointer).toBe('/limit');
    expect((await app.inject('/api/runs/zzz-000000')).statusCode).toBe(404);
  });

  it('exports one file that another controller imports read-only with the same totals', async () => {
    const exported = await deployed.t.app.inject(`/api/runs/${run.runId}/export`);
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toMatch(/PRIVATE KEY|x-dw-token/);
    const file = exported.json() as RunFile;
    expect(file.format).toBe('dw-run/1');
    const other = await tempApp();
    try {
      const imported = await other.app.inject({ method: 'POST', url: '/api/runs/import', payload: file });
      expect(imported.statusCode, imported.body).toBe(201);
      const copy = imported.json().run as RunSummary;
      expect(copy).toMatchObject({ imported: true, frames: run.frames, rev: 1 });
      expect(copy.runId).not.toBe(run.runId);
      const copied = await json<RunDetail>(other.app, `/api/runs/${copy.runId}`);
      expect(copied.links).toEqual(detail.links);
      expect(copied.services).toEqual(detail.services);
      const copiedFrames = await json<RunFramesPage>(other.app, `/api/runs/${copy.runId}/frames`);
      expect(copiedFrames.frames).toEqual(recorded);
      // a broken file says what is wrong and where
      const broken = structuredClone(file);
      (broken.records[3] as { t: string }).t = 'nonsense';
      const refused = await other.app.inject({ method: 'POST', url: '/api/runs/import', payload: broken });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().problems[0].pointer).toMatch(/^\/records\/3/);
      const badWorld = { ...file, world: { ...file.world, links: [{ id: 'x', from: 'nobody', to: 'none' }] } };
      const refusedWorld = await other.app.inject({ method: 'POST', url: '/api/runs/import', payload: badWorld });
      expect(refusedWorld.statusCode).toBe(400);
      expect(refusedWorld.json().message).toMatch(/nobody|none/);
    } finally {
      await other.close();
    }
  });
});

describe('run limits', () => {
  let t: TempApp;
  afterAll(async () => t?.close());

  it('evicts the oldest ended runs, never the one being recorded', async () => {
    t = await tempApp({ runs: { limits: { maxRuns: 2 } } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    ensureServiceRuntime();
    const created = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: PAIR_WORLD });
    const worldId: string = created.json().id;
    const deployAndWait = async () => {
      expect((await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(202);
      await waitFor(
        'a recorded frame',
        async () => {
          const [latest] = await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`);
          return latest && latest.endedAt === null && latest.frames > 0 ? latest : undefined;
        },
        20_000,
      );
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await deployAndWait();
      ids.push((await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`))[0]?.runId as string);
      if (i < 2) await stopAndWaitForEnd(t.app, worldId);
    }
    // three runs, room for two: the oldest goes, the running one stays
    const kept = await waitFor('the oldest run to go', async () => {
      await t.app.runs.flushAll();
      const runs = await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`);
      return runs.length === 2 ? runs : undefined;
    });
    expect(kept.map((r) => r.runId)).toEqual([ids[2], ids[1]]);
    expect(await readdir(join(t.dataDir, 'runs'))).not.toContain(`${ids[0]}.ndjson`);

    // a total smaller than the running run alone: every ended run goes, the running one is still recorded
    (t.app.runs.limits as { maxTotalBytes: number }).maxTotalBytes = 1;
    await t.app.runs.flushAll();
    const left = await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`);
    expect(left.map((r) => r.runId)).toEqual([ids[2]]);
    const framesBefore = left[0]?.frames ?? 0;
    await waitFor('more frames of the running run', async () => {
      const [still] = await json<RunSummary[]>(t.app, `/api/worlds/${worldId}/runs`);
      return (still?.frames ?? 0) > framesBefore + 2 ? true : undefined;
    });
  }, 90_000);

  it('deleting a world removes its recorded runs, the running one too; an imported run stays', async () => {
    // room again (the test before shrank the limits to nothing)
    Object.assign(t.app.runs.limits, { maxTotalBytes: 512 * 1024 * 1024, maxRuns: 200 });
    const [running] = t.app.runs.list();
    const worldId = running?.worldId as string;
    expect(running?.endedAt).toBeNull();
    const file = (await t.app.inject(`/api/runs/${running?.runId}/export`)).json() as RunFile;
    const imported = await t.app.inject({ method: 'POST', url: '/api/runs/import', payload: file });
    expect(imported.statusCode, imported.body).toBe(201);
    const copy = imported.json().run as RunSummary;
    const recorded = t.app.runs.list(worldId).filter((r) => !r.imported);
    expect(recorded.length).toBeGreaterThan(0);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/worlds/${worldId}` })).statusCode).toBe(204);
    for (const run of recorded) expect((await t.app.inject(`/api/runs/${run.runId}`)).statusCode).toBe(404);
    expect(await readdir(join(t.dataDir, 'runs'))).toEqual([`${copy.runId}.ndjson`]);
    expect(t.app.runs.list().map((r) => r.runId)).toEqual([copy.runId]);
  }, 30_000);
});

describe('a controller killed with -9 mid-run', () => {
  const serverDir = fileURLToPath(new URL('../..', import.meta.url));
  beforeAll(() => {
    ensureServiceRuntime();
    execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
  }, 120_000);

  it('leaves a run that reads back to its last second', async () => {
    const dataDir = await tempDir('dw-runs-kill-');
    const controller = await startControllerProcess(dataDir);
    try {
      const post = (path: string, body?: unknown) =>
        fetch(`${controller.url}${path}`, {
          method: 'POST',
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const created = await post('/api/worlds', PAIR_WORLD);
      expect(created.status).toBe(201);
      const worldId = ((await created.json()) as { id: string }).id;
      expect((await post(`/api/worlds/${worldId}/deploy`)).status).toBe(202);
      const run = await waitFor(
        'three seconds of frames',
        async () => {
          const runs = (await (await fetch(`${controller.url}/api/worlds/${worldId}/runs`)).json()) as RunSummary[];
          return runs[0] && runs[0].frames >= 15 ? runs[0] : undefined;
        },
        30_000,
      );
      const seenFrames = run.frames;
      controller.child.kill('SIGKILL');
      const killedAt = Date.now();
      await controller.exited();

      // the data dir alone: the run is there, its lines parse (a torn last one is skipped), it ends where it stopped
      const store = await RunStore.open(join(dataDir, 'runs'));
      const [left] = store.list(worldId);
      expect(left?.runId).toBe(run.runId);
      expect(left?.interrupted).toBe(true);
      expect(left?.endedAt).toBeGreaterThan(killedAt - 2000);
      // what was counted a moment before the kill was written by the kill (at most one second is lost)
      expect(left?.frames).toBeGreaterThanOrEqual(seenFrames - 5);
      const records = (await store.records(run.runId)) ?? [];
      expect(records[0]?.t).toBe('start');
      expect(records.filter((r) => r.t === 'frame').length).toBe(left?.frames);
      await store.close();

      // a torn line at the end (a write cut by the kill) does not keep it from being read
      const file = join(dataDir, 'runs', `${run.runId}.ndjson`);
      await appendFile(file, '{"t":"frame","at":17');
      const again = await RunStore.open(join(dataDir, 'runs'));
      expect(again.get(run.runId)?.frames).toBe(left?.frames);
      expect((await again.records(run.runId))?.length).toBe(records.length);
      await again.close();
      // the guardian ended the services
      await waitFor('no service left', () => (isAliveAny(records) ? undefined : true), 10_000);
    } finally {
      if (controller.child.exitCode === null && controller.child.signalCode === null) controller.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

/** True while a process a recorded status named still runs. */
function isAliveAny(records: ReturnType<typeof parseRecords>['records']): boolean {
  return records.some((r) => r.t === 'status' && r.status.pid !== null && isAlive(r.status.pid));
}
