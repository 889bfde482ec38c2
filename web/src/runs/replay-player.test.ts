import { EXAMPLE_WORLD, type RunRecord, type TrafficFrame } from '@dw/world';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTrafficStore } from '../live/traffic-store';
import { createEditorStore } from '../store/editor-store';
import { fakeHttp } from '../store/fake-http';
import { ReplayPlayer, TICK_MS } from './replay-player';

const frame = (at: number, total: number, errors: number): TrafficFrame => ({
  worldId: 'recorded-abc123',
  rev: 3,
  at,
  windowMs: 200,
  links: [
    {
      id: 'l1',
      from: 'a',
      to: 'b',
      requests: 2,
      errors: 0,
      refused: 0,
      latencyMsAvg: 4,
      latencyMsMax: 9,
      total: { requests: total, errors, refused: 0 },
    },
  ],
  refusals: [],
  services: [{ id: 'b', state: 'ready', accepted: 2, totalAccepted: total }],
});

const RECORDS: RunRecord[] = [
  { t: 'start', runId: 'abc-123456', worldId: 'recorded-abc123', rev: 3, at: 1000, world: EXAMPLE_WORLD },
  ...Array.from(
    { length: 20 },
    (_, i): RunRecord => ({
      t: 'frame',
      at: 1200 + i * 200,
      frame: frame(1200 + i * 200, 2 * (i + 1), i >= 10 ? i - 9 : 0),
    }),
  ),
  {
    t: 'faults',
    at: 3100,
    faults: {
      worldId: 'recorded-abc123',
      faults: [{ id: 'f1', since: 3100, fault: { kind: 'abort', linkId: 'l1', percent: 50 } }],
    },
  },
  { t: 'end', at: 5200 },
];

afterEach(() => vi.useRealTimers());

describe('replay player', () => {
  it('shows the run as it was at the moment sought, through the live store', () => {
    const traffic = createTrafficStore();
    const player = new ReplayPlayer(RECORDS, 'open-world', traffic, () => {});
    expect(traffic.getState().worldId).toBe('open-world');
    player.seek(2200);
    expect(traffic.getState().links.l1?.total).toBe(12);
    expect(traffic.getState().faults).toEqual([]);
    player.seek(4000);
    expect(traffic.getState().links.l1).toMatchObject({ total: 30, errors: 5 });
    expect(traffic.getState().faults.map((f) => f.id)).toEqual(['f1']);
    // back in time: nothing of later is left
    player.seek(1300);
    expect(traffic.getState().links.l1?.total).toBe(2);
    expect(traffic.getState().faults).toEqual([]);
  });

  it('plays at its speed and stops at the end', () => {
    vi.useFakeTimers();
    const traffic = createTrafficStore();
    const states: number[] = [];
    const player = new ReplayPlayer(RECORDS, 'w', traffic, (s) => states.push(s.at));
    player.setSpeed(4);
    player.play();
    vi.advanceTimersByTime(TICK_MS * 2);
    expect(player.current.at).toBe(1000 + 2 * TICK_MS * 4);
    expect(traffic.getState().links.l1?.total).toBe(8);
    vi.advanceTimersByTime(10_000);
    expect(player.current).toMatchObject({ at: 5200, playing: false });
    expect(traffic.getState().links.l1?.total).toBe(40);
  });
});

describe('replay in the editor store', () => {
  it('shows the recorded revision, never saves it, and goes back to the world on leaving', async () => {
    const world = { ...structuredClone(EXAMPLE_WORLD), name: 'as recorded' };
    let saves = 0;
    const traffic = createTrafficStore();
    const editor = createEditorStore({
      traffic,
      http: fakeHttp({
        runFile: async () => ({
          format: 'dw-run/1',
          run: { runId: 'abc-123456', worldId: 'shop', rev: 3, startedAt: 1000, endedAt: 5200, frames: 20 },
          world,
          records: RECORDS,
        }),
        saveWorld: async () => {
          saves++;
          throw new Error('must not save');
        },
      }),
    });
    await editor.getState().actions.openWorld('shop');
    await editor.getState().actions.openReplay('abc-123456');
    expect(editor.getState().replay?.run.rev).toBe(3);
    expect(editor.getState().name).toBe('as recorded');
    editor.getState().actions.seek(4000);
    expect(traffic.getState().links.l1?.total).toBe(30);
    editor.getState().actions.setName('edited');
    expect(await editor.getState().actions.save()).toBe(false);
    expect(saves).toBe(0);
    await editor.getState().actions.leaveReplay();
    expect(editor.getState().replay).toBeNull();
    expect(editor.getState().name).toBe(EXAMPLE_WORLD.name);
    expect(traffic.getState().links).toEqual({});
  });
});
