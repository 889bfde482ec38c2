// Load with real processes: a client's ramp really raises its rate, and "find the limit" steps a running client
// up until its calls fail, reporting the rate reached. The limit here is built into the world (4 calls in flight
// at most, 100 ms each: about 40 req/s), so the search has a known answer to find.
import type { FindLimitResult } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveController, liveController } from '../testing/live-world.js';

const LIMITED = fixtureWorld('limited');

const RAMPED = fixtureWorld('ramped');

let live: LiveController;

beforeAll(async () => {
  live = await liveController();
}, 30_000);

afterAll(async () => {
  await live?.close();
});

describe('load', () => {
  it('a ramp raises the rate from rps to toRps over overS', async () => {
    const w = await live.deploy(RAMPED);
    const sent = (frames: typeof w.frames) => frames.reduce((n, f) => n + (f.links[0]?.requests ?? 0), 0);
    const early = await w.framesUntil('the first second', (f) => f.length >= 5);
    await w.framesUntil('the ramp done', (f) => f.length >= 15);
    const late = await w.framesUntil('a second at the top', (f) => f.length >= 5);
    console.log(`ramp: ${sent(early)} calls in the first second, ${sent(late)} in a second after the ramp`);
    expect(sent(late)).toBeGreaterThan(sent(early) * 3);
    await live.api('DELETE', `/api/worlds/${w.id}/deploy`);
  }, 60_000);

  it('finds the limit of a client: the rate that held, where it broke, and why', async () => {
    const w = await live.deploy(LIMITED);
    const answer = await live.api<FindLimitResult>('POST', `/api/worlds/${w.id}/find-limit`, {
      clientId: 'load',
      fromRps: 10,
      stepRps: 15,
      stepS: 2,
      maxSteps: 6,
      maxErrorPercent: 5,
      maxP99Ms: 10_000,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const result = answer.body;
    console.log(`find the limit: ${JSON.stringify(result.steps)} -> ${result.limitRps} held, ${result.reason}`);
    // Steps of 10, 25, 40, 55... against a capacity of 40 req/s: 10 and 25 hold (with the rate really reached),
    // 55 cannot; 40 is the edge, so the answer is 25 or 40, and it broke at the next step.
    const held = result.steps.filter((step) => step.held);
    expect(held.map((step) => step.rps)).toEqual(result.limitRps === 40 ? [10, 25, 40] : [10, 25]);
    for (const step of held) expect(step.achievedRps, `${step.rps} req/s`).toBeGreaterThan(step.rps * 0.8);
    expect([25, 40]).toContain(result.limitRps);
    expect(result.brokeAtRps).toBe((result.limitRps as number) + 15);
    expect(result.reason).toMatch(/of calls failed/);
    // and the client is back at its own rate
    await w.framesUntil('a second to settle', (f) => f.length >= 5);
    const back = await w.framesUntil('two seconds after', (f) => f.length >= 10);
    const seconds = back.reduce((n, f) => n + f.windowMs, 0) / 1000;
    const rate = back.reduce((n, f) => n + (f.links[0]?.requests ?? 0), 0) / seconds;
    console.log(`after the search: ${rate.toFixed(1)} req/s (its own rate is 5)`);
    expect(rate).toBeLessThan(10);
  }, 90_000);
});
