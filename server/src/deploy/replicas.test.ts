// Replicas with real processes: three copies of one service behind a client. Every copy serves (each its own
// pid, port and accepted count, all with the service's identity); a copy killed with SIGKILL costs the link at
// most the calls that were in flight, the others carry the traffic and the supervisor brings it back with a new
// pid; scaling 3 -> 2 stops exactly one process and restarts nothing.
import type { DeployPreview, ReplicaStatus, TrafficFrame, World } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyCopyReady, type LiveController, type LiveWorld, liveController } from '../testing/live-world.js';
import { isAlive, waitFor } from '../testing/temp-app.js';

const REPLICATED = fixtureWorld('replicated');

let live: LiveController;
let w: LiveWorld;
beforeAll(async () => {
  live = await liveController();
  w = await live.deploy(REPLICATED);
}, 40_000);
afterAll(async () => {
  await live?.close();
});

const copies = async (): Promise<ReplicaStatus[]> =>
  (await w.status()).services.find((s) => s.id === 'orders')?.replicas ?? [];
const accepted = (frames: readonly TrafficFrame[]) => {
  const per = new Map<number, number>();
  for (const f of frames) {
    for (const r of f.services.find((s) => s.id === 'orders')?.replicas ?? []) {
      per.set(r.replica, (per.get(r.replica) ?? 0) + r.accepted);
    }
  }
  return per;
};
const link = (f: TrafficFrame) => f.links.find((l) => l.id === 'l1');

describe('replicas', () => {
  it('runs three processes, each with its own pid and port, and the client balances over all of them', async () => {
    const list = await copies();
    expect(list.map((r) => r.replica)).toEqual([1, 2, 3]);
    expect(new Set(list.map((r) => r.pid)).size).toBe(3);
    expect(new Set(list.map((r) => r.port)).size).toBe(3);
    for (const r of list) expect(isAlive(r.pid as number)).toBe(true);
    const frames = await w.framesUntil('300 calls accepted by orders', (seen) => {
      const per = accepted(seen);
      return [...per.values()].reduce((a, b) => a + b, 0) >= 300;
    });
    const per = accepted(frames);
    const total = [...per.values()].reduce((a, b) => a + b, 0);
    const shares = [1, 2, 3].map((r) => (per.get(r) ?? 0) / total);
    console.log(`replicas: accepted per copy ${[1, 2, 3].map((r) => per.get(r) ?? 0).join(' / ')} of ${total}`);
    for (const share of shares) expect(share).toBeGreaterThan(0.25);
    // the link counts every copy's calls once: as many requests as the copies accepted, give or take a window
    const requests = frames.reduce((n, f) => n + (link(f)?.requests ?? 0), 0);
    expect(Math.abs(requests - total)).toBeLessThan(total * 0.15);
    // each copy proves the service's identity: the link has no refusals and no errors
    expect(frames.reduce((n, f) => n + (link(f)?.errors ?? 0) + (link(f)?.refused ?? 0), 0)).toBe(0);
  }, 30_000);

  it('kill -9 of one copy: errors stop within a second or two, the others carry on, it comes back with a new pid', async () => {
    const before = await copies();
    const victim = before[1] as ReplicaStatus;
    const killedAt = Date.now();
    const kill = await live.api<{ pid: number; pids: number[]; replica: number }>(
      'POST',
      `/api/worlds/${w.id}/deploy/services/orders/kill?replica=2`,
    );
    expect(kill.status).toBe(202);
    expect(kill.body).toMatchObject({ pid: victim.pid, pids: [victim.pid], replica: 2 });
    const after = await waitFor('replica 2 back', async () => {
      const list = await copies();
      const back = list[1];
      return back && back.state === 'ready' && back.pid !== victim.pid ? list : undefined;
    });
    const backAt = Date.now();
    expect(isAlive(victim.pid as number)).toBe(false);
    expect(after[0]?.pid).toBe(before[0]?.pid);
    expect(after[2]?.pid).toBe(before[2]?.pid);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 5000 - Date.now())));
    const seen = w.frames.filter((f) => f.at > killedAt);
    const withErrors = seen.filter((f) => (link(f)?.errors ?? 0) > 0);
    const lastError = withErrors.at(-1);
    const errorsFor = lastError ? lastError.at - killedAt : 0;
    const errors = withErrors.reduce((n, f) => n + (link(f)?.errors ?? 0), 0);
    const requests = seen.reduce((n, f) => n + (link(f)?.requests ?? 0), 0);
    console.log(
      `replicas: after kill -9 of replica 2, ${errors} error(s) of ${requests} calls in ${seen.length} frames, the last ${lastError ? `${errorsFor} ms after the kill` : '-'}; back as pid ${after[1]?.pid} after ${backAt - killedAt} ms`,
    );
    expect(errorsFor).toBeLessThan(2000);
    expect(errors).toBeLessThan(requests * 0.05);
    // the others carried the traffic: the client's rate (60/s) went on, calls succeeding
    const spanS = ((seen.at(-1)?.at ?? killedAt) - killedAt) / 1000;
    expect(requests / spanS).toBeGreaterThan(45);
    // and the restarted copy gets calls again
    await w.framesUntil('replica 2 accepts calls again', (fs) => (accepted(fs).get(2) ?? 0) > 10, 15_000);
  }, 40_000);

  it('pausing one copy: it shows paused, the service stays ready, and calls go around it', async () => {
    const paused = await live.api<{ id: string }>('POST', `/api/worlds/${w.id}/faults`, {
      kind: 'pause',
      serviceId: 'orders',
      replica: 3,
    });
    expect(paused.status).toBe(201);
    try {
      await waitFor('replica 3 paused', async () => ((await copies())[2]?.state === 'paused' ? true : undefined));
      expect((await w.status()).services.find((s) => s.id === 'orders')?.state).toBe('ready');
      // (a batch replica 3 sent just before it stopped may still land: measure from a moment later)
      await new Promise((resolve) => setTimeout(resolve, 300));
      const frames = await w.framesUntil('3 s with replica 3 paused', (fs) => fs.length >= 15);
      const per = accepted(frames);
      const requests = frames.reduce((n, f) => n + (link(f)?.requests ?? 0), 0);
      const errors = frames.reduce((n, f) => n + (link(f)?.errors ?? 0), 0);
      console.log(
        `replicas: replica 3 paused for ${frames.length} frames: accepted ${[1, 2, 3].map((r) => per.get(r) ?? 0).join(' / ')}, ${errors} error(s) of ${requests} calls`,
      );
      expect(per.get(3) ?? 0).toBe(0);
      expect(requests).toBeGreaterThan(100);
      // only calls sent to it before the callers saw it stall time out (2 s); then it is left alone for a while
      expect(errors).toBeLessThan(requests * 0.05);
    } finally {
      expect((await live.api('DELETE', `/api/worlds/${w.id}/faults/${paused.body.id}`)).status).toBe(200);
    }
    // Resumed: it shows ready again, and once the callers take it back it carries its share with nothing failing.
    await waitFor('replica 3 ready again', async () => ((await copies())[2]?.state === 'ready' ? true : undefined));
    await w.framesUntil('replica 3 accepts calls again', (fs) => (accepted(fs).get(3) ?? 0) > 5);
    const back = await w.framesUntil('2 s with replica 3 back', (fs) => fs.length >= 10);
    const share = accepted(back);
    const total = [1, 2, 3].reduce((n, r) => n + (share.get(r) ?? 0), 0);
    const failed = back.reduce((n, f) => n + (link(f)?.errors ?? 0), 0);
    console.log(
      `replicas: after the resume, accepted ${[1, 2, 3].map((r) => share.get(r) ?? 0).join(' / ')}, ${failed} failed`,
    );
    expect(share.get(3) ?? 0).toBeGreaterThan(total * 0.15);
    expect(failed).toBe(0);
  }, 30_000);

  it('renews the identity the copies share: one leaf for the service, every copy reloads it', async () => {
    const from = w.frames.length;
    const roll = await live.api<{ reloaded: number }>('POST', `/api/worlds/${w.id}/deploy/renew`);
    expect(roll.status, JSON.stringify(roll.body)).toBe(200);
    expect(roll.body.reloaded).toBe(4); // shopper and the three copies of orders
    await w.framesUntil('calls after the renewal', (fs) => fs.reduce((n, f) => n + (link(f)?.requests ?? 0), 0) > 30);
    expect(w.frames.slice(from).reduce((n, f) => n + (link(f)?.errors ?? 0) + (link(f)?.refused ?? 0), 0)).toBe(0);
  }, 30_000);

  it('scaling 3 -> 2 stops exactly one process and keeps every other pid', async () => {
    const before = await w.status();
    const pids = (s: typeof before) =>
      s.services.flatMap((x) => (x.replicas ? x.replicas.map((r) => r.pid) : [x.pid])).filter((p) => p !== null);
    const running = pids(before);
    expect(running).toHaveLength(4);
    const stored = await live.api<{ rev: number; world: World }>('GET', `/api/worlds/${w.id}`);
    const world = structuredClone(stored.body.world);
    const orders = world.services.find((s) => s.id === 'orders');
    if (orders?.kind !== 'service') throw new Error('no orders');
    orders.replicas = 2;
    const preview = await live.api<DeployPreview>('POST', `/api/worlds/${w.id}/deploy/plan`, { world });
    expect(preview.body.plan).toMatchObject({
      start: [],
      restart: [],
      stop: [],
      keep: ['shopper'],
      scale: [{ id: 'orders', from: 3, to: 2 }],
    });
    expect(preview.body.summary).toBe('orders 3→2 replicas');
    const saved = await live.api<{ rev: number }>('PUT', `/api/worlds/${w.id}`, { rev: stored.body.rev, world });
    expect(saved.status).toBe(200);
    const from = w.frames.length;
    const deployed = await live.api<{ rev: number }>('POST', `/api/worlds/${w.id}/deploy`);
    const after = await waitFor('rev with two copies', async () => {
      const s = await w.status();
      const o = s.services.find((x) => x.id === 'orders');
      return s.rev === deployed.body.rev && o?.replicas?.length === 2 && s.services.every(everyCopyReady)
        ? s
        : undefined;
    });
    const gone = running.filter((p) => !pids(after).includes(p));
    expect(gone).toEqual([before.services.find((s) => s.id === 'orders')?.replicas?.[2]?.pid]);
    expect(pids(after).every((p) => running.includes(p))).toBe(true);
    expect(isAlive(gone[0] as number)).toBe(false);
    // the status event says two copies now, and the calls keep flowing without errors
    await waitFor('a status event with two copies', () =>
      w.statuses.findLast((s) => s.id === 'orders')?.replicas?.length === 2 ? true : undefined,
    );
    const frames = await w.framesUntil('2 s of traffic after the scale', (fs) => fs.length >= 10);
    const since = w.frames.slice(from);
    const errors = since.reduce((n, f) => n + (link(f)?.errors ?? 0), 0);
    console.log(`replicas: scale 3 -> 2, ${errors} error(s) in ${since.length} frames around it`);
    expect(errors).toBe(0);
    const per = accepted(frames);
    expect(per.get(1)).toBeGreaterThan(0);
    expect(per.get(2)).toBeGreaterThan(0);
  }, 40_000);

  it('scaling 2 -> 4 starts two processes that get calls once ready; stop ends every copy', async () => {
    const before = await w.status();
    const stored = await live.api<{ rev: number; world: World }>('GET', `/api/worlds/${w.id}`);
    const world = structuredClone(stored.body.world);
    const orders = world.services.find((s) => s.id === 'orders');
    if (orders?.kind !== 'service') throw new Error('no orders');
    orders.replicas = 4;
    expect((await live.api('PUT', `/api/worlds/${w.id}`, { rev: stored.body.rev, world })).status).toBe(200);
    const from = w.frames.length;
    const deployed = await live.api<{ rev: number }>('POST', `/api/worlds/${w.id}/deploy`);
    const after = await waitFor('rev with four copies', async () => {
      const s = await w.status();
      const o = s.services.find((x) => x.id === 'orders');
      return s.rev === deployed.body.rev && o?.replicas?.length === 4 && s.services.every(everyCopyReady)
        ? s
        : undefined;
    });
    const list = after.services.find((s) => s.id === 'orders')?.replicas ?? [];
    expect(list.slice(0, 2).map((r) => r.pid)).toEqual(
      before.services.find((s) => s.id === 'orders')?.replicas?.map((r) => r.pid),
    );
    expect(after.services.find((s) => s.id === 'shopper')?.pid).toBe(
      before.services.find((s) => s.id === 'shopper')?.pid,
    );
    await w.framesUntil(
      'the new copies accept calls',
      (fs) => (accepted(fs).get(3) ?? 0) > 5 && (accepted(fs).get(4) ?? 0) > 5,
    );
    expect(w.frames.slice(from).reduce((n, f) => n + (link(f)?.errors ?? 0), 0)).toBe(0);

    const pids = list.map((r) => r.pid as number);
    expect((await live.api('DELETE', `/api/worlds/${w.id}/deploy`)).status).toBe(200);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  }, 40_000);
});
