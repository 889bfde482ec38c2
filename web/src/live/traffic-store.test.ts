import { type CallFigures, callFigures, emptyTally, type LinkTraffic, type TrafficFrame } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { createTrafficStore } from './traffic-store';

/** The figures a frame carries (computed by the controller), all zero but `extra`. */
const figures = (extra: Partial<CallFigures>): CallFigures => ({
  ...callFigures(emptyTally()),
  spanMs: 1000,
  ...extra,
});

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
  it('shows a lock while calls get answered over mutual TLS, none once they are all refused, and counts handshakes', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    const handshakes = { handshakes: 1, total: { requests: 4, errors: 0, refused: 0, handshakes: 1 } };
    store
      .getState()
      .actions.ingestFrame(
        frame([linkTraffic(4, 4, { ...handshakes, figures: figures({ ratePerSec: 20, answered: 4 }) })]),
      );
    expect(store.getState().links.l1).toMatchObject({ mutualTls: true, handshakes: 1 });
    const refused = figures({ ratePerSec: 20, refusedShare: 1, failedShare: 1, answered: 0 });
    store
      .getState()
      .actions.ingestFrame(
        frame([linkTraffic(4, 8, { refused: 4, total: { requests: 8, errors: 0, refused: 4 }, figures: refused })]),
      );
    expect(store.getState().links.l1).toMatchObject({ mutualTls: false, refusedShare: 1 });
    expect(store.getState().links.l1?.handshakes).toBe(0); // a sender that does not count them reports none
  });

  it("shows the frame's figures as they are, never a rate of its own", () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    // 4 calls in a 200 ms window would be 20/s; the controller's figure over the last second says 7/s
    const figured = figures({
      ratePerSec: 7,
      errorShare: 0.25,
      latencyMsMean: 122.8,
      latencyMsP50: 122.7,
      latencyMsP99: 122.9,
    });
    const services = [
      {
        id: 'a',
        state: 'ready' as const,
        accepted: 0,
        totalAccepted: 0,
        figures: { spanMs: 1000, inPerSec: 0, out: figured },
      },
      {
        id: 'b',
        state: 'ready' as const,
        accepted: 4,
        totalAccepted: 40,
        figures: { spanMs: 1000, inPerSec: 6.5, out: figures({}) },
      },
    ];
    store.getState().actions.ingestFrame(frame([linkTraffic(4, 32, { figures: figured })], { services }));
    expect(store.getState().links.l1).toMatchObject({
      rate: 7,
      attemptRate: 7,
      errorShare: 0.25,
      latencyMs: 122.8,
      p50Ms: 122.7,
      p99Ms: 122.9,
      total: 32,
    });
    expect(store.getState().services.a).toMatchObject({ outRate: 7 });
    expect(store.getState().services.b).toMatchObject({ state: 'ready', acceptedRate: 6.5, totalAccepted: 40 });
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

  it('keeps p50/p99 while quiet, a point of history per second from the figures, and recent samples; pause drops frames', () => {
    const store = createTrafficStore();
    const { actions } = store.getState();
    actions.reset('w');
    const sample = { linkId: 'l1', traceId: 'a'.repeat(32), outcome: 'ok' as const, latencyMs: 3 };
    const busy = figures({ ratePerSec: 20, failedShare: 0.05, errorShare: 0.05, latencyMsP50: 2, latencyMsP99: 8 });
    const services = [
      {
        id: 'a',
        state: 'ready' as const,
        accepted: 0,
        totalAccepted: 0,
        figures: { spanMs: 1000, inPerSec: 0, out: busy },
      },
      {
        id: 'b',
        state: 'ready' as const,
        accepted: 4,
        totalAccepted: 40,
        figures: { spanMs: 1000, inPerSec: 20, out: figures({}) },
      },
    ];
    for (let i = 1; i <= 5; i++) {
      actions.ingestFrame(
        frame([linkTraffic(4, i * 4, { figures: busy })], { at: i * 200, samples: i === 1 ? [sample] : [], services }),
      );
    }
    // a second with no calls keeps the last quantiles instead of showing 0
    actions.ingestFrame(frame([linkTraffic(0, 20)], { at: 1200 }));
    const state = store.getState();
    expect(state.links.l1).toMatchObject({ rate: 0, p50Ms: 2, p99Ms: 8 });
    expect(state.samples).toEqual([sample]);
    expect(state.historyVersion).toBe(1);
    expect(actions.history('link:l1')).toEqual([{ at: 1000, rate: 20, errors: 1, p99Ms: 8 }]);
    expect(actions.history('out:a')).toEqual([{ at: 1000, rate: 20, errors: 1, p99Ms: 8 }]);
    // b makes no calls of its own: its history is the calls to it (5% of 20/s failed, p99 8 ms), not zeros
    expect(actions.history('service:b')).toEqual([{ at: 1000, rate: 20, errors: 1, p99Ms: 8 }]);

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
