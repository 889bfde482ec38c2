import { describe, expect, it } from 'vitest';
import { newSpanId, newTraceId } from './tracing.js';

describe('trace and span ids', () => {
  it('are W3C-shaped, lowercase hex, and do not repeat (drawn from one refilled pool)', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    // enough to refill the 4 KiB pool many times over, with ids of both sizes interleaved
    for (let i = 0; i < 3000; i++) {
      const trace = newTraceId();
      const span = newSpanId();
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      expect(span).toMatch(/^[0-9a-f]{16}$/);
      expect(trace).not.toMatch(/^0+$/);
      traces.add(trace);
      spans.add(span);
    }
    expect(traces.size).toBe(3000);
    expect(spans.size).toBe(3000);
  });
});
