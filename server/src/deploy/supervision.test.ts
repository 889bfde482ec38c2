// Supervision and call policies with real processes: a killed service is seen crashed and restarted by its
// policy with a new pid; retries multiply the calls a callee sees; an open breaker stops them. Each figure is
// measured against a baseline in the same world at the same time.
import type { ServiceStats, World } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedOver, type LiveController, liveController } from '../testing/live-world.js';
import { isAlive, waitFor } from '../testing/temp-app.js';

const at = (x: number, y: number) => ({ x, y });

const SUPERVISED = fixtureWorld('supervised');

const _failing = (id: string, y: number) => ({
  id,
  kind: 'service' as const,
  position: at(600, y),
  config: { latencyMs: 1, errorRate: 1 },
});

/** Three callers of three always-failing callees: no policy (the baseline), two retries, a breaker. */
const POLICIES = fixtureWorld('policies');

let live: LiveController;

beforeAll(async () => {
  live = await liveController();
}, 30_000);

afterAll(async () => {
  await live?.close();
});

describe('supervision', () => {
  it('shows a killed service crashed within a second and restarts it by its policy, with a new pid', async () => {
    const w = await live.deploy(SUPERVISED);
    const before = await w.status();
    const pidOf = (id: string) => before.services.find((s) => s.id === id)?.pid as number;
    const oldPid = pidOf('phoenix');

    const killedAt = Date.now();
    const kill = await live.api<{ pid: number }>('POST', `/api/worlds/${w.id}/deploy/services/phoenix/kill`);
    expect(kill.status).toBe(202);
    expect(kill.body.pid).toBe(oldPid);
    const seen = w.statuses.length;
    const crashed = await waitFor(
      'phoenix crashed over socket.io',
      () => w.statuses.slice(seen).find((s) => s.id === 'phoenix' && s.state === 'crashed'),
      1000,
    );
    const crashedMs = Date.now() - killedAt;
    expect(crashed.detail).toContain('killed by SIGKILL');
    expect(crashed.detail).toContain('restart 1 in');
    const ready = await waitFor(
      'phoenix ready again',
      () => w.statuses.slice(seen).find((s) => s.id === 'phoenix' && s.state === 'ready'),
      10_000,
    );
    console.log(
      `kill: crashed seen after ${crashedMs} ms, ready again as pid ${ready.pid} after ${Date.now() - killedAt} ms`,
    );
    expect(ready.pid).not.toBe(oldPid);
    expect(isAlive(ready.pid as number)).toBe(true);
    expect(isAlive(oldPid)).toBe(false);
    expect(w.statuses.slice(seen).some((s) => s.id === 'phoenix' && s.state === 'restarting')).toBe(true);
    // and traffic flows to the new process
    await w.framesUntil('calls succeed again on l-phoenix', (frames) =>
      frames.slice(-2).some((f) => f.links.some((l) => l.id === 'l-phoenix' && l.requests > 0 && l.errors === 0)),
    );

    // restart "no" (the default): it stays crashed
    const mortalPid = pidOf('mortal');
    expect((await live.api('POST', `/api/worlds/${w.id}/deploy/services/mortal/kill`)).status).toBe(202);
    await waitFor('mortal crashed', async () =>
      (await w.status()).services.find((s) => s.id === 'mortal')?.state === 'crashed' ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const mortal = (await w.status()).services.find((s) => s.id === 'mortal');
    expect(mortal?.state).toBe('crashed');
    expect(isAlive(mortalPid)).toBe(false);
    await live.api('DELETE', `/api/worlds/${w.id}/deploy`);
  }, 60_000);
});

describe('call policies', () => {
  it('retries multiply the calls the callee sees; an open breaker stops them; both are visible', async () => {
    const w = await live.deploy(POLICIES);
    // Each service's own totals since it started, asked over mTLS as the controller: exact, not windowed.
    const accepted = async (id: string) => {
      const stats = await live.api<ServiceStats>('GET', `/api/worlds/${w.id}/deploy/services/${id}/stats`);
      return Object.values(stats.body.accepted).reduce((n, v) => n + v, 0);
    };
    await waitFor(
      '150 calls into the baseline caller',
      async () => ((await accepted('plain')) >= 150 ? true : undefined),
      30_000,
      250,
    );
    const [plain, fPlain, retrying, fRetrying] = (await Promise.all(
      ['plain', 'f-plain', 'retrying', 'f-retrying'].map(accepted),
    )) as [number, number, number, number];
    const baseline = fPlain / plain;
    const retried = fRetrying / retrying;
    const frames = w.frames.slice(-5);
    const retries = frames.at(-1)?.links.find((l) => l.id === 'r')?.totalRetries ?? 0;
    console.log(
      `retries: the callee saw ${fPlain}/${plain} = ${baseline.toFixed(2)}x without, ${fRetrying}/${retrying} = ${retried.toFixed(2)}x with retries: 2 (${retries} retries counted)`,
    );
    // the four totals are read at about the same time, not at once: a call or two either way
    expect(baseline).toBeGreaterThan(0.9);
    expect(baseline).toBeLessThan(1.1);
    expect(retried / baseline).toBeGreaterThan(2.7);
    expect(retried / baseline).toBeLessThan(3.2);
    expect(retries).toBeGreaterThan(retrying); // two per call, counted by the caller and shown on the link

    // the breaker opened after 5 failures: from then on the guarded callee sees nothing, the caller still works
    const later = await w.framesUntil('another 40 calls into each caller', (f) => acceptedOver(f, 'guarded') >= 40);
    console.log(
      `breaker: guarded took ${acceptedOver(later, 'guarded')} calls, its callee ${acceptedOver(later, 'f-guarded')}; ` +
        `the baseline callee ${acceptedOver(later, 'f-plain')}`,
    );
    expect(acceptedOver(later, 'f-guarded')).toBe(0);
    expect(acceptedOver(later, 'f-plain')).toBeGreaterThan(30);
    expect(later.at(-1)?.links.find((l) => l.id === 'g')?.breaker).toBe('open');
    const total = later.at(-1)?.links.find((l) => l.id === 'g')?.total;
    expect(total?.errors).toBe(total?.requests); // short-circuited calls still count, as failures
  }, 90_000);
});

describe('supervision across a reconciling redeploy', () => {
  it('a kept process takes its new restart policy, and a link fault stays in force', async () => {
    const w = await live.deploy(SUPERVISED);
    const record = await live.api<{ rev: number; world: World }>('GET', `/api/worlds/${w.id}`);
    const before = await w.status();
    const pidOf = (s: typeof before, id: string) => s.services.find((x) => x.id === id)?.pid;
    const fault = await live.api('POST', `/api/worlds/${w.id}/faults`, { kind: 'partition', linkId: 'l-mortal' });
    expect(fault.status).toBe(201);

    // only mortal's restart policy changes: nothing restarts (the policy is the supervisor's, not the process's)
    const world = structuredClone(record.body.world);
    for (const s of world.services) if (s.id === 'mortal' && s.kind === 'service') s.restart = 'always';
    expect((await live.api('PUT', `/api/worlds/${w.id}`, { rev: record.body.rev, world })).status).toBe(200);
    expect((await live.api('POST', `/api/worlds/${w.id}/deploy`)).status).toBe(202);
    await waitFor(
      'rev 2 running',
      async () => {
        const s = await w.status();
        return s.rev === 2 && s.services.every((x) => x.state === 'ready') ? true : undefined;
      },
      20_000,
    );
    const after = await w.status();
    expect(pidOf(after, 'mortal')).toBe(pidOf(before, 'mortal'));
    const faults = await live.api<{ faults: unknown[] }>('GET', `/api/worlds/${w.id}/faults`);
    expect(faults.body.faults).toHaveLength(1);
    await w.framesUntil('the partition still failing l-mortal', (frames) =>
      frames
        .slice(-2)
        .some((f) => f.links.some((l) => l.id === 'l-mortal' && l.requests > 0 && l.errors === l.requests)),
    );

    const seen = w.statuses.length;
    expect((await live.api('POST', `/api/worlds/${w.id}/deploy/services/mortal/kill`)).status).toBe(202);
    const ready = await waitFor(
      'mortal restarted by its new policy',
      () => w.statuses.slice(seen).find((s) => s.id === 'mortal' && s.state === 'ready'),
      10_000,
    );
    expect(ready.pid).not.toBe(pidOf(before, 'mortal'));
    await live.api('DELETE', `/api/worlds/${w.id}/deploy`);
  }, 90_000);
});
