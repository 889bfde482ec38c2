import { describe, expect, it } from 'vitest';
import { DeliveredBatches, REPLAY_WINDOW } from './delivered-batches.js';

const batch = (seq: number, pid = 100, serviceId = 'a') => ({ serviceId, pid, seq });

describe('counting each telemetry batch once', () => {
  it('counts batches in order, and a copy sent again after a timeout not at all', () => {
    const delivered = new DeliveredBatches();
    expect([0, 1, 2].map((seq) => delivered.firstTime(batch(seq)))).toEqual([true, true, true]);
    expect(delivered.firstTime(batch(2))).toBe(false); // the retry of a POST that timed out but had arrived
    expect(delivered.firstTime(batch(3))).toBe(true);
    expect(delivered.firstTime(batch(2))).toBe(false); // the first copy, arriving after the retry was counted
  });

  it('keeps processes apart: another service, a restart with a new pid, a reused pid counting from 0', () => {
    const delivered = new DeliveredBatches();
    for (let seq = 0; seq <= 50; seq++) delivered.firstTime(batch(seq));
    expect(delivered.firstTime(batch(50, 100, 'b'))).toBe(true);
    expect(delivered.firstTime(batch(0, 200))).toBe(true);
    expect(delivered.firstTime(batch(0, 200))).toBe(false);
    for (let seq = 1; seq <= 50; seq++) delivered.firstTime(batch(seq, 200));
    // a container restarted: pid 200 again, seq from 0
    expect(delivered.firstTime(batch(50 - REPLAY_WINDOW - 1, 200))).toBe(true);
  });

  it('keeps replicas apart: two copies of a service, both pid 1 in their containers, each counting from 0', () => {
    const delivered = new DeliveredBatches();
    const copy = (replica: number, seq: number) => ({ serviceId: 'payments', replica, pid: 1, seq });
    const seen = [];
    for (let seq = 0; seq < 10; seq++) seen.push(delivered.firstTime(copy(0, seq)), delivered.firstTime(copy(1, seq)));
    expect(seen.every(Boolean)).toBe(true);
    expect(delivered.firstTime(copy(1, 9))).toBe(false);
  });
});
