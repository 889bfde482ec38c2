import { describe, expect, it } from 'vitest';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_REFUSED, ParticleEngine, travelMs } from './particle-engine';
import type { LinkLive } from './traffic-store';

function link(attemptRate: number, extra: Partial<LinkLive> = {}): LinkLive {
  return {
    from: 'a',
    to: 'b',
    rate: attemptRate,
    attemptRate,
    errorShare: 0,
    refusedShare: 0,
    latencyMs: 5,
    p50Ms: 5,
    p99Ms: 5,
    total: 0,
    errors: 0,
    refused: 0,
    mutualTls: true,
    handshakes: 1,
    ...extra,
  };
}

/** A deterministic random sequence cycling through evenly spread values. */
function steps(n: number) {
  let i = 0;
  return () => ((i++ % n) + 0.5) / n;
}

describe('particle engine', () => {
  it('spawns one dot per request at the link rate', () => {
    const engine = new ParticleEngine();
    for (let i = 0; i < 60; i++) engine.spawn({ l1: link(20), l2: link(5) }, 1000 / 60, steps(10));
    const byLink = (id: string) => engine.particles.filter((p) => p.linkId === id).length;
    expect(byLink('l1')).toBeGreaterThanOrEqual(19);
    expect(byLink('l1')).toBeLessThanOrEqual(21);
    expect(byLink('l2')).toBeGreaterThanOrEqual(4);
    expect(byLink('l2')).toBeLessThanOrEqual(6);
  });

  it('colours dots by the measured shares of errors and refusals', () => {
    const engine = new ParticleEngine();
    engine.spawn({ l1: link(100, { errorShare: 0.3, refusedShare: 0.2 }) }, 1000, steps(100));
    const count = (o: number) => engine.particles.filter((p) => p.outcome === o).length;
    expect(count(OUTCOME_REFUSED)).toBeCloseTo(20, -1);
    expect(count(OUTCOME_ERROR)).toBeCloseTo(30, -1);
    expect(count(OUTCOME_OK)).toBeCloseTo(50, -1);
  });

  it('moves slower over slower links and drops dots that arrived', () => {
    expect(travelMs(200)).toBeGreaterThan(travelMs(5));
    const engine = new ParticleEngine();
    engine.spawn({ l1: link(10) }, 1000, steps(10));
    expect(engine.particles.length).toBe(10);
    engine.advance(travelMs(5) + 1);
    expect(engine.particles.length).toBe(0);
  });

  it('spawns nothing for a quiet link', () => {
    const engine = new ParticleEngine();
    engine.spawn({ l1: link(0) }, 1000);
    expect(engine.particles).toEqual([]);
  });
});
