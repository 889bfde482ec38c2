import { describe, expect, it } from 'vitest';
import type { TrafficFrame } from './events.js';
import { EXAMPLE_WORLD } from './example.js';
import { compareRuns, type RunRecord, runEvents, runTotals } from './runs.js';

const frame = (at: number, requests: number, errors: number, refused = 0): TrafficFrame => ({
  worldId: 'w-abc123',
  rev: 1,
  at,
  windowMs: 200,
  links: [
    {
      id: 'l1',
      from: 'a',
      to: 'b',
      requests,
      errors,
      refused,
      latencyMsAvg: 10,
      latencyMsMax: 10,
      latencyMsMin: 10,
      total: { requests: 0, errors: 0, refused: 0 },
    },
  ],
  refusals: [],
  services: [{ id: 'b', state: 'ready', accepted: requests, totalAccepted: 0 }],
});

describe('runTotals', () => {
  it('adds up the windows of every frame, per link and per service', () => {
    const totals = runTotals([frame(1200, 10, 1), frame(1400, 20, 0, 2), frame(1600, 5, 0)]);
    expect(totals.spanMs).toBe(600);
    expect(totals.links).toEqual([
      { id: 'l1', from: 'a', to: 'b', requests: 35, errors: 1, refused: 2, ratePerSec: 58.33, p50Ms: 10, p99Ms: 10 },
    ]);
    const b = totals.services.find((s) => s.id === 'b');
    expect(b?.accepted).toBe(35);
    expect(totals.services.find((s) => s.id === 'a')?.requests).toBe(35);
  });
});

describe('runEvents', () => {
  it('lists faults added and removed, crashes and refusal bursts', () => {
    const records: RunRecord[] = [
      { t: 'start', runId: 'abc-123456', worldId: 'w-abc123', rev: 2, at: 1000, world: EXAMPLE_WORLD },
      {
        t: 'faults',
        at: 1100,
        faults: {
          worldId: 'w',
          faults: [{ id: 'f1', since: 1100, fault: { kind: 'abort', linkId: 'l1', percent: 100 } }],
        },
      },
      { t: 'frame', at: 1200, frame: frame(1200, 10, 0, 9) },
      { t: 'faults', at: 1300, faults: { worldId: 'w', faults: [] } },
      { t: 'status', at: 1350, status: { worldId: 'w', rev: 2, id: 'b', state: 'crashed', pid: null, port: null } },
      { t: 'end', at: 1400 },
    ];
    expect(runEvents(records).map((e) => e.kind)).toEqual(['deploy', 'fault', 'refusals', 'heal', 'kill', 'stop']);
  });
});

describe('compareRuns', () => {
  it('says which links got worse and better, and what changed in the world', () => {
    const a = { world: EXAMPLE_WORLD, ...runTotals([frame(1200, 10, 0)]) };
    const b = { world: { ...EXAMPLE_WORLD, links: EXAMPLE_WORLD.links.slice(1) }, ...runTotals([frame(1200, 10, 4)]) };
    const compared = compareRuns(a, b);
    expect(compared.links[0]?.verdict).toBe('worse');
    expect(compared.links[0]?.errors).toEqual({ a: 0, b: 4, delta: 4, better: false });
    expect(compareRuns(b, a).links[0]?.verdict).toBe('better');
    expect(compared.world.links.removed).toEqual([EXAMPLE_WORLD.links[0]?.id]);
  });
});
