import type { LinkTraffic, TrafficFrame } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { createTrafficStore } from './traffic-store';

function linkTraffic(requests: number, total: number, extra: Partial<LinkTraffic> = {}): LinkTraffic {
  return {
    id: 'l1',
    from: 'a',
    to: 'b',
    requests,
    errors: 0,
    refused: 0,
    latencyMsAvg: 4,
    latencyMsMax: 9,
    total: { requests: total, errors: 0, refused: 0 },
    ...extra,
  };
}

function frame(links: LinkTraffic[], extra: Partial<TrafficFrame> = {}): TrafficFrame {
  return {
    worldId: 'w',
    rev: 1,
    at: 0,
    windowMs: 200,
    links,
    refusals: [],
    services: [{ id: 'b', state: 'ready', accepted: 4, totalAccepted: 40 }],
    ...extra,
  };
}

describe('traffic store', () => {
  it('shows a lock while calls get through, none once they are all refused, and counts handshakes', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    store
      .getState()
      .actions.ingestFrame(
        frame([linkTraffic(4, 4, { handshakes: 1, total: { requests: 4, errors: 0, refused: 0, handshakes: 1 } })]),
      );
    expect(store.getState().links.l1).toMatchObject({ mutualTls: true, handshakes: 1 });
    for (let i = 0; i < 6; i++) {
      store
        .getState()
        .actions.ingestFrame(
          frame([linkTraffic(4, 8 + 4 * i, { refused: 4, total: { requests: 8 + 4 * i, errors: 0, refused: 4 } })]),
        );
    }
    expect(store.getState().links.l1?.mutualTls).toBe(false);
    expect(store.getState().links.l1?.handshakes).toBe(0); // a sender that does not count them reports none
  });

  it('gives each link its requests per second over the last second and its running total', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    let total = 0;
    for (let i = 0; i < 8; i++) {
      total += 4;
      store.getState().actions.ingestFrame(frame([linkTraffic(4, total)]));
    }
    const live = store.getState().links.l1;
    expect(live?.rate).toBe(20);
    expect(live?.total).toBe(32);
    expect(store.getState().services.b).toMatchObject({ state: 'ready', acceptedRate: 20, totalAccepted: 40 });
  });

  it('keeps the same object for a link whose numbers did not change, so its label does not re-render', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    for (let i = 0; i < 6; i++) store.getState().actions.ingestFrame(frame([linkTraffic(0, 10)]));
    const before = store.getState().links.l1;
    store.getState().actions.ingestFrame(frame([linkTraffic(0, 10)]));
    expect(store.getState().links.l1).toBe(before);
  });

  it('ignores frames of another world and adds up refusals per callee', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    store.getState().actions.ingestFrame(frame([linkTraffic(9, 9)], { worldId: 'other' }));
    expect(store.getState().links).toEqual({});
    const refusal = { to: 'b', from: 'x', reason: 'not-linked' as const, count: 2 };
    store.getState().actions.ingestFrame(frame([], { refusals: [refusal] }));
    store.getState().actions.ingestFrame(frame([], { refusals: [{ ...refusal, count: 1 }] }));
    expect(store.getState().refusals.b).toEqual([{ from: 'x', reason: 'not-linked', count: 3 }]);
  });

  it('keeps p50/p99, out rates, a point of history per second, and recent samples; pause drops frames', () => {
    const store = createTrafficStore();
    const { actions } = store.getState();
    actions.reset('w');
    const sample = { linkId: 'l1', traceId: 'a'.repeat(32), outcome: 'ok' as const, latencyMs: 3 };
    for (let i = 1; i <= 5; i++) {
      actions.ingestFrame(
        frame([linkTraffic(4, i * 4, { latencyMsP50: 2, latencyMsP99: 8, errors: i === 5 ? 1 : 0 })], {
          at: i * 200,
          samples: i === 1 ? [sample] : [],
        }),
      );
    }
    // a window with no calls keeps the last quantiles instead of showing 0
    actions.ingestFrame(frame([linkTraffic(0, 20)], { at: 1200 }));
    const state = store.getState();
    expect(state.links.l1).toMatchObject({ p50Ms: 2, p99Ms: 8 });
    expect(state.services.b?.outRate).toBe(0);
    expect(state.samples).toEqual([sample]);
    expect(state.historyVersion).toBe(1);
    expect(actions.history('link:l1')).toEqual([{ at: 1000, rate: 20, errors: 1, p99Ms: 8 }]);
    expect(actions.history('out:a')).toEqual([{ at: 1000, rate: 20, errors: 1, p99Ms: 8 }]);
    expect(actions.history('service:b')).toEqual([{ at: 1000, rate: 20, errors: 0, p99Ms: 0 }]);

    actions.setPaused(true);
    actions.ingestFrame(frame([linkTraffic(4, 999)], { at: 1400 }));
    expect(store.getState().links.l1?.total).toBe(20);
    actions.setPaused(false);
    actions.ingestFrame(frame([linkTraffic(4, 999)], { at: 1600 }));
    expect(store.getState().links.l1?.total).toBe(999);
  });
});

describe('deploy progress in the traffic store', () => {
  const step = (rev: number, id: string, s: 'identity-issued' | 'starting' | 'ready', at = 0) => ({
    worldId: 'w',
    rev,
    id,
    of: 2,
    step: s,
    at,
  });

  it('keeps each service last step of the latest deploy; a newer deploy starts afresh, an older one is ignored', () => {
    const store = createTrafficStore();
    const { actions } = store.getState();
    actions.reset('w');
    actions.ingestProgress(step(1, 'a', 'identity-issued'));
    actions.ingestProgress(step(1, 'b', 'identity-issued'));
    actions.ingestProgress(step(1, 'a', 'starting'));
    expect(store.getState().progress).toMatchObject({ a: { step: 'starting' }, b: { step: 'identity-issued' } });
    // a redeploy restarting only b: a is not part of it
    actions.ingestProgress(step(2, 'b', 'identity-issued'));
    actions.ingestProgress(step(1, 'a', 'ready'));
    expect(Object.keys(store.getState().progress)).toEqual(['b']);
    expect(store.getState().progressRev).toBe(2);
    actions.ingestProgress({ ...step(2, 'b', 'ready'), worldId: 'other' });
    expect(store.getState().progress.b?.step).toBe('identity-issued');
    actions.stopped();
    expect(store.getState().progress).toEqual({});
  });
});
