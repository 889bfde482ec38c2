// The editor's queue and store: their node summaries, the figures on their nodes, the waiting messages, the
// service's store workload as the inspector edits it, "clear data"'s words, and the live gauges in the traffic store.
import type { TrafficFrame } from '@dw/world';
import { kindOf } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { formatGauge } from '../live/node-gauges';
import { createTrafficStore } from '../live/traffic-store';
import { clearedMessage } from './clear-data';
import { queueSummary } from './queue';
import { waitingOf } from './queue/waiting-dots';
import { deleteShareOf, linksToStore, withWorkloadField } from './service/store-workload';
import { storeSummary } from './store';

describe('queue and store nodes', () => {
  it('sum up how each is set up, with the defaults of their kinds where the config says nothing', () => {
    expect(queueSummary({})).toBe('on disk · 8 in flight · 5 attempts');
    expect(queueSummary({ durable: false, inFlightPerConsumer: 2, maxAttempts: 3 })).toBe(
      'in memory · 2 in flight · 3 attempts',
    );
    expect(storeSummary({})).toBe('≤ 100,000 keys · ≤ 64 KB each');
    expect(storeSummary({ maxKeys: 50, maxValueBytes: 512 })).toBe('≤ 50 keys · ≤ 512 B each');
  });

  it('write each gauge in its unit', () => {
    expect(formatGauge(3, 'count')).toBe('3');
    expect(formatGauge(12_345, 'count')).toBe('12,345');
    expect(formatGauge(18.46, 'perSec')).toBe('18.5/s');
    expect(formatGauge(900, 'bytes')).toBe('900 B');
    expect(formatGauge(1536, 'bytes')).toBe('1.5 KB');
    expect(formatGauge(3 * 1024 * 1024, 'bytes')).toBe('3 MB');
    expect(formatGauge(250, 'ms')).toBe('250 ms');
    expect(formatGauge(2500, 'ms')).toBe('2.5 s');
  });

  it('have a gauge for every figure the issue asks to see on the node', () => {
    const names = (kind: 'queue' | 'store') => (kindOf(kind).gauges ?? []).map((g) => g.name);
    expect(names('queue')).toEqual(
      expect.arrayContaining(['depth', 'inFlight', 'publishPerSec', 'deliverPerSec', 'oldestMs', 'deadLetters']),
    );
    expect(names('store')).toEqual(expect.arrayContaining(['keys', 'bytes', 'readsPerSec', 'writesPerSec']));
  });

  it('show as waiting what a queue holds and has not sent to a consumer', () => {
    expect(waitingOf(undefined, undefined)).toBe(0);
    expect(waitingOf(40, 16)).toBe(24);
    // the two gauges are reported at one moment, but never show a negative count
    expect(waitingOf(3, 5)).toBe(0);
  });

  it('say what "clear data" did', () => {
    expect(clearedMessage({ nodeId: 'db', how: 'running', removed: 42 }, 'keys')).toBe(
      'Cleared: 42 keys forgotten, on disk too.',
    );
    expect(clearedMessage({ nodeId: 'db', how: 'stored' }, 'keys')).toBe('Cleared: its data directory is gone.');
  });
});

describe("a service's store workload in the inspector", () => {
  it('sets one field at a time, and drops the workload once no field is left', () => {
    const one = withWorkloadField({ latencyMs: 2 }, 'readShare', 0.5);
    expect(one).toEqual({ latencyMs: 2, store: { readShare: 0.5 } });
    const two = withWorkloadField(one, 'keys', 10);
    expect(two).toEqual({ latencyMs: 2, store: { readShare: 0.5, keys: 10 } });
    expect(withWorkloadField(withWorkloadField(two, 'keys', undefined), 'readShare', undefined)).toEqual({
      latencyMs: 2,
    });
  });

  it('says which share is left for DELETEs', () => {
    expect(deleteShareOf(undefined)).toBe(0); // 0.8 reads + 0.2 writes by default
    expect(deleteShareOf({ readShare: 0.3, writeShare: 0.6 })).toBe(0.1);
    expect(deleteShareOf({ readShare: 0.9, writeShare: 0.9 })).toBe(0);
  });

  it('is offered to a service that links to a store, not to one that calls only services', () => {
    const nodes = [
      { id: 'worker', data: { kind: 'service' } },
      { id: 'db', data: { kind: 'store' } },
      { id: 'payments', data: { kind: 'service' } },
    ];
    expect(linksToStore('worker', nodes, [{ source: 'worker', target: 'db' }])).toBe(true);
    expect(linksToStore('worker', nodes, [{ source: 'worker', target: 'payments' }])).toBe(false);
    expect(linksToStore('payments', nodes, [{ source: 'worker', target: 'db' }])).toBe(false);
  });
});

describe('live gauges in the traffic store', () => {
  const frame = (gauges: { name: string; value: number }[] | undefined): TrafficFrame => ({
    worldId: 'w',
    rev: 1,
    at: 0,
    windowMs: 200,
    links: [],
    refusals: [],
    services: [{ id: 'q', state: 'ready', accepted: 0, totalAccepted: 0, ...(gauges ? { gauges } : {}) }],
  });

  it("keeps each node's latest gauges by name, across frames without any and status events", () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    store.getState().actions.ingestFrame(
      frame([
        { name: 'depth', value: 12 },
        { name: 'inFlight', value: 4 },
      ]),
    );
    expect(store.getState().services.q?.gauges).toEqual({ depth: 12, inFlight: 4 });
    const first = store.getState().services.q?.gauges;
    // the same numbers again: the same object (nothing on the node re-renders)
    store.getState().actions.ingestFrame(
      frame([
        { name: 'depth', value: 12 },
        { name: 'inFlight', value: 4 },
      ]),
    );
    expect(store.getState().services.q?.gauges).toBe(first);
    store.getState().actions.ingestFrame(frame(undefined));
    expect(store.getState().services.q?.gauges).toEqual({ depth: 12, inFlight: 4 });
    store
      .getState()
      .actions.ingestStatus({ worldId: 'w', rev: 1, id: 'q', state: 'restarting', pid: null, port: null });
    expect(store.getState().services.q).toMatchObject({ state: 'restarting', gauges: { depth: 12, inFlight: 4 } });
    store.getState().actions.ingestFrame(frame([{ name: 'depth', value: 30 }]));
    expect(store.getState().services.q?.gauges).toEqual({ depth: 30 });
  });

  it('drops them when the world is stopped', () => {
    const store = createTrafficStore();
    store.getState().actions.reset('w');
    store.getState().actions.ingestFrame(frame([{ name: 'depth', value: 3 }]));
    store.getState().actions.stopped();
    expect(store.getState().services.q?.gauges).toBeUndefined();
  });
});
