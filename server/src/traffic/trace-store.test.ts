import type { Span } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { orderSpans, TraceStore } from './trace-store.js';

const T = 'a'.repeat(32);
const span = (
  spanId: string,
  parentId: string | null,
  service: string,
  start: number,
  extra: Partial<Span> = {},
): Span => ({
  traceId: T,
  spanId: spanId.padStart(16, '0'),
  parentId: parentId === null ? null : parentId.padStart(16, '0'),
  kind: 'server',
  service,
  start,
  durationMs: 10,
  status: 200,
  outcome: 'ok',
  ...extra,
});

describe('TraceStore', () => {
  it('orders spans parents first, siblings by start, whatever order they arrived in', () => {
    const spans = [span('4', '2', 'b', 5), span('3', '2', 'c', 3), span('2', '1', 'a', 2), span('1', null, 'root', 0)];
    expect(orderSpans(spans).map((s) => s.service)).toEqual(['root', 'a', 'c', 'b']);
  });

  it('keeps only spans a service reports of itself, summarises, and answers undefined for unknown traces', () => {
    const store = new TraceStore();
    store.add('root', [span('1', null, 'root', 100, { durationMs: 50 })], 5000);
    store.add('a', [span('2', '1', 'a', 110, { outcome: 'error', status: 500 }), span('9', '1', 'root', 0)], 5100);
    expect(store.get(T)?.spans.map((s) => s.service)).toEqual(['root', 'a']);
    expect(store.recent(10, 5500)).toEqual([]); // still arriving
    expect(store.recent(10, 6000)).toEqual([
      { traceId: T, start: 100, durationMs: 50, root: 'root', services: 2, spans: 2, errors: 1 },
    ]);
    expect(store.get('b'.repeat(32))).toBeUndefined();
  });

  it('is bounded: the oldest trace goes first, and a trace keeps at most its span cap', () => {
    const store = new TraceStore(3, 2);
    for (let i = 0; i < 5; i++) {
      const traceId = i.toString(16).padStart(32, '0');
      store.add(
        's',
        [1, 2, 3].map((n) => ({ ...span(String(n), null, 's', n), traceId })),
        0,
      );
    }
    expect(store.size).toBe(3);
    expect(store.recent(10, 2000).map((s) => [Number.parseInt(s.traceId, 16), s.spans])).toEqual([
      [4, 2],
      [3, 2],
      [2, 2],
    ]);
  });
});
