import { emptyHistogram, latencyBucket, type TelemetryBatch, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { MESH_WORLD } from '../testing/worlds.js';
import { MAX_REFUSAL_GROUPS, TrafficAggregator } from './aggregator.js';

const ready = () => 'ready' as const;

function batch(serviceId: string, parts: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return {
    worldId: 'mesh-abc123',
    serviceId,
    rev: 1,
    pid: 100,
    seq: 0,
    at: 0,
    windowMs: 100,
    ready: true,
    calls: [],
    inbound: [],
    refusals: [],
    ...parts,
  };
}

const call = (linkId: string, to: string, requests: number, extra: Partial<TelemetryBatch['calls'][0]> = {}) => ({
  linkId,
  to,
  requests,
  errors: 0,
  refused: 0,
  latencyMsSum: requests * 2,
  latencyMsMax: 3,
  ...extra,
});

describe('TrafficAggregator', () => {
  it('lists every link and service of the world, zeros included', () => {
    const frame = new TrafficAggregator('mesh-abc123', 1, MESH_WORLD, 1000).frame(1200, ready);
    expect(frame).toMatchObject({ worldId: 'mesh-abc123', rev: 1, at: 1200, windowMs: 200, refusals: [] });
    expect(frame.links.map((l) => [l.id, l.requests, l.total.requests])).toEqual([
      ['l1', 0, 0],
      ['l2', 0, 0],
      ['l3', 0, 0],
    ]);
    expect(frame.services.map((s) => [s.id, s.state, s.accepted])).toEqual([
      ['shopper', 'ready', 0],
      ['orders', 'ready', 0],
      ['payments', 'ready', 0],
      ['inventory', 'ready', 0],
    ]);
  });

  it('merges the batches that arrived in a window, and keeps totals since deploy', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    agg.ingest(
      batch('orders', {
        calls: [call('l2', 'payments', 3, { errors: 1, latencyMsSum: 30, latencyMsMax: 20, handshakes: 2 })],
      }),
    );
    agg.ingest(
      batch('orders', { calls: [call('l2', 'payments', 1, { refused: 1, latencyMsSum: 10, latencyMsMax: 5 })] }),
    );
    agg.ingest(batch('payments', { inbound: [{ from: 'orders', accepted: 4, errors: 1 }] }));
    const first = agg.frame(200, ready);
    const l2 = first.links.find((l) => l.id === 'l2');
    expect(l2).toEqual({
      id: 'l2',
      from: 'orders',
      to: 'payments',
      requests: 4,
      errors: 1,
      refused: 1,
      latencyMsAvg: 10,
      latencyMsMax: 20,
      latencyMsMin: 0, // these batches report no fastest call
      handshakes: 2,
      answered: 0,
      total: { requests: 4, errors: 1, refused: 1, handshakes: 2 },
      figures: {
        spanMs: 200,
        ratePerSec: 20, // 4 in a 200 ms window
        errorShare: 0.25,
        refusedShare: 0.25,
        failedShare: 0.5,
        answered: 0,
        latencyMsMean: 10,
        latencyMsP50: 20, // these batches carry no histogram: the slowest call bounds every quantile
        latencyMsP99: 20,
        latencyMsMax: 20,
      },
    });
    expect(first.services.find((s) => s.id === 'payments')).toMatchObject({ accepted: 4, totalAccepted: 4 });

    agg.ingest(batch('orders', { calls: [call('l2', 'payments', 2)] }));
    const second = agg.frame(400, ready);
    expect(second.links.find((l) => l.id === 'l2')).toMatchObject({
      requests: 2,
      errors: 0,
      handshakes: 0,
      answered: 0,
      total: { requests: 6, errors: 1, refused: 1, handshakes: 2 },
    });
    expect(second.services.find((s) => s.id === 'payments')).toMatchObject({ accepted: 0, totalAccepted: 4 });
  });

  it('merges latency histograms into p50/p99, counts handshakes, rates in and out, and keeps totals for /metrics', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    // 98 calls at 2 ms, 2 calls at 20 ms
    const buckets = emptyHistogram();
    buckets[latencyBucket(2)] = 98;
    buckets[latencyBucket(20)] = 2;
    const latencies = { latencyMsSum: 98 * 2 + 2 * 20, latencyMsMin: 2, latencyMsMax: 20 };
    agg.ingest(
      batch('orders', {
        calls: [call('l2', 'payments', 100, { latencyBuckets: buckets, handshakes: 2, ...latencies })],
      }),
    );
    agg.ingest(batch('orders', { calls: [call('l3', 'inventory', 50)] }));
    agg.ingest(batch('orders', { inbound: [{ from: 'shopper', accepted: 150, errors: 0 }] }));
    const frame = agg.frame(500, ready);
    const l2 = frame.links.find((l) => l.id === 'l2');
    expect(l2).toMatchObject({ figures: { ratePerSec: 200 }, handshakes: 2 });
    expect(l2?.figures?.latencyMsP50).toBeGreaterThan(1.7);
    expect(l2?.figures?.latencyMsP50).toBeLessThanOrEqual(2);
    expect(l2?.figures?.latencyMsP99).toBeGreaterThan(17);
    expect(l2?.figures?.latencyMsP99).toBeLessThanOrEqual(20);
    expect(l2?.figures?.latencyMsMean).toBe(2.36);
    expect(l2?.latencyBuckets).toEqual(buckets);
    expect(frame.services.find((s) => s.id === 'orders')).toMatchObject({
      figures: { inPerSec: 300, out: { ratePerSec: 300 } },
    });
    const totals = agg.linkTotals().find((l) => l.id === 'l2')?.total;
    expect(totals).toMatchObject({ requests: 100, handshakes: 2, latencyMsSum: 236, buckets });
    agg.frame(1000, ready);
    expect(agg.linkTotals().find((l) => l.id === 'l2')?.total.requests).toBe(100);
  });

  it('computes the figures over the last second of windows: a rate of all of them, quantiles among the calls', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    // every call of l1 takes 122.6-123 ms: 4 a window, for 5 windows of 200 ms
    const calls = (n: number) => {
      const buckets = emptyHistogram();
      buckets[latencyBucket(122.8)] = n;
      return call('l1', 'orders', n, {
        latencyMsSum: n * 122.8,
        latencyMsMin: 122.6,
        latencyMsMax: 123,
        latencyBuckets: buckets,
      });
    };
    let frame = agg.frame(0, ready);
    for (let at = 200; at <= 1000; at += 200) {
      agg.ingest(batch('shopper', { calls: [calls(4)] }));
      agg.ingest(batch('orders', { inbound: [{ from: 'shopper', accepted: 4, errors: 0 }] }));
      frame = agg.frame(at, ready);
    }
    const l1 = frame.links.find((l) => l.id === 'l1')?.figures;
    expect(l1).toMatchObject({ spanMs: 1000, ratePerSec: 20, latencyMsMean: 122.8, latencyMsMax: 123 });
    // never below the fastest call (the bucket's lower bound is 120 ms), never above the slowest
    expect(l1?.latencyMsP50).toBeGreaterThanOrEqual(122.6);
    expect(l1?.latencyMsP99).toBeGreaterThanOrEqual(l1?.latencyMsP50 as number);
    expect(l1?.latencyMsP99).toBeLessThanOrEqual(123);
    expect(frame.services.find((s) => s.id === 'orders')?.figures?.inPerSec).toBe(20);
    expect(frame.services.find((s) => s.id === 'shopper')?.figures?.out).toMatchObject({ ratePerSec: 20 });
    // a quiet window: the second still holds 4 windows of calls
    frame = agg.frame(1200, ready);
    expect(frame.links.find((l) => l.id === 'l1')).toMatchObject({ requests: 0, figures: { ratePerSec: 16 } });
    // a second later, none: no figures (all zero)
    for (let at = 1400; at <= 2200; at += 200) frame = agg.frame(at, ready);
    expect(frame.links.find((l) => l.id === 'l1')?.figures).toBeUndefined();
    expect(frame.services.find((s) => s.id === 'orders')?.figures).toBeUndefined();
  });

  it('samples at most two messages per link per frame, only spans of the reporting caller on its own links', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    const span = (service: string, linkId: string, to: string, n: number) => ({
      traceId: n.toString(16).padStart(32, '0'),
      spanId: n.toString(16).padStart(16, '0'),
      parentId: null,
      kind: 'client' as const,
      service,
      linkId,
      to,
      start: 0,
      durationMs: 3.1426, // rounded to 3.14 in the frame
      status: 200,
      outcome: 'ok' as const,
    });
    agg.ingest(batch('orders', { spans: [1, 2, 3].map((n) => span('orders', 'l2', 'payments', n)) }));
    agg.ingest(batch('orders', { spans: [span('shopper', 'l1', 'orders', 4)] })); // not orders' own span
    agg.ingest(batch('shopper', { spans: [span('shopper', 'l2', 'payments', 5)] })); // not shopper's link
    const frame = agg.frame(200, ready);
    expect(frame.samples).toEqual([
      { linkId: 'l2', traceId: span('', '', '', 1).traceId, outcome: 'ok', latencyMs: 3.14 },
      { linkId: 'l2', traceId: span('', '', '', 2).traceId, outcome: 'ok', latencyMs: 3.14 },
    ]);
    expect(agg.frame(400, ready).samples).toEqual([]);
  });

  it('counts a call only on a link of the caller that sent it', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    agg.ingest(batch('shopper', { calls: [call('l2', 'payments', 5)] })); // l2 belongs to orders
    agg.ingest(batch('orders', { calls: [call('l9', 'payments', 5)] })); // no such link
    agg.ingest(batch('orders', { calls: [call('l2', 'inventory', 5)] })); // l2 does not go there
    agg.ingest(batch('orders', { calls: [call('l2', 'payments', 2)] })); // the control: orders' own l2
    expect(agg.frame(200, ready).links.map((l) => [l.id, l.requests])).toEqual([
      ['l1', 0],
      ['l2', 2],
      ['l3', 0],
    ]);
  });

  it('reports refusals no link explains, grouped by (to, from, reason); linked callers count on their link', () => {
    const agg = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    agg.ingest(batch('payments', { refusals: [{ from: 'inventory', reason: 'not-linked', count: 2 }] }));
    agg.ingest(batch('payments', { refusals: [{ from: 'inventory', reason: 'not-linked', count: 1 }] }));
    agg.ingest(batch('payments', { refusals: [{ from: null, reason: 'no-certificate', count: 4 }] }));
    agg.ingest(batch('payments', { refusals: [{ from: 'orders', reason: 'hop-budget', count: 7 }] })); // linked
    agg.ingest(batch('orders', { refusals: [{ from: 'spiffe://other/x', reason: 'not-linked', count: 1 }] }));
    const frame = agg.frame(200, ready);
    expect(frame.refusals).toEqual([
      { to: 'payments', from: 'inventory', reason: 'not-linked', count: 3 },
      { to: 'payments', from: null, reason: 'no-certificate', count: 4 },
      { to: 'orders', from: 'spiffe://other/x', reason: 'not-linked', count: 1 },
    ]);
    expect(agg.frame(400, ready).refusals).toEqual([]);
  });

  it('keeps the frame size bounded by the world, not by the message rate', () => {
    const quiet = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    quiet.ingest(batch('orders', { calls: [call('l2', 'payments', 1)] }));
    const busy = new TrafficAggregator('w', 1, MESH_WORLD, 0);
    for (let i = 0; i < 10_000; i++) {
      busy.ingest(
        batch('orders', {
          calls: [call('l2', 'payments', 9, { errors: 9, refused: 9 })],
          refusals: [{ from: `spiffe://x/caller${i}`, reason: 'not-linked', count: 1 }],
        }),
      );
    }
    const small = JSON.stringify(quiet.frame(200, ready)).length;
    const big = JSON.stringify(busy.frame(200, ready));
    expect(JSON.parse(big).refusals.length).toBe(MAX_REFUSAL_GROUPS);
    // the links and services part is the same size give or take the digits of the counts
    const { refusals: _, ...rest } = JSON.parse(big);
    expect(JSON.stringify(rest).length).toBeLessThan(small + 200);
  });

  // How fast a frame is made belongs in a benchmark (bench/), not in a timed test on a shared machine.
  it('frames a large world: every link listed, its size set by the world, not by its traffic', () => {
    const services = Array.from({ length: 500 }, (_, i) => ({
      id: `s${i}`,
      kind: 'service' as const,
      position: { x: 0, y: 0 },
      config: {},
    }));
    const links = Array.from({ length: 2000 }, (_, i) => ({
      id: `l${i}`,
      from: `s${i % 500}`,
      to: `s${(i * 7 + 1) % 500}`,
    }));
    const world: World = { version: 1, name: 'big', services, links };
    const agg = new TrafficAggregator('w', 1, world, 0);
    agg.ingest(batch('s0', { calls: [call('l0', 's1', 3)] }));
    const frame = agg.frame(200, ready);
    expect(frame.links).toHaveLength(2000);
    expect(frame.links.find((l) => l.id === 'l0')?.requests).toBe(3);
    const quietBytes = JSON.stringify(new TrafficAggregator('w', 1, world, 0).frame(200, ready)).length;
    // one link with calls adds its counts and one histogram, not a size that grows with the world
    expect(JSON.stringify(frame).length - quietBytes).toBeLessThan(2000);
  });
});
