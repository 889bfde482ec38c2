// Trace context for every request (W3C traceparent) and the spans of sampled ones. A client decides at the
// root: at most `samplesPerSec` sampled requests per link; every service then records a server span for a
// sampled request it accepts and a client span for each call it makes within it. Spans wait in a bounded buffer
// until the next telemetry batch takes them.
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MAX_SPANS_PER_BATCH, type Span, type TraceContext } from '@dw/world';

/** Sampled roots per second per client link: enough for a steady stream of clickable messages, few spans. */
export const TRACE_SAMPLES_PER_SEC = 5;

// Trace and span ids come from a pool of random bytes refilled 4 KiB at a time: one call into the RNG per few
// hundred ids instead of one per id (a measurable share of a hop's CPU at thousands of requests a second).
const ID_POOL = Buffer.alloc(4096);
let poolOffset = ID_POOL.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > ID_POOL.length) {
    randomFillSync(ID_POOL);
    poolOffset = 0;
  }
  const id = ID_POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return id;
}
const ZEROS = /^0+$/;
/** 16 random bytes as 32 hex digits, never all zeros (W3C: an invalid trace id). */
export const newTraceId = (): string => {
  const id = randomHex(16);
  return ZEROS.test(id) ? newTraceId() : id;
};
/** 8 random bytes as 16 hex digits, never all zeros. */
export const newSpanId = (): string => {
  const id = randomHex(8);
  return id === '0000000000000000' ? newSpanId() : id;
};

/** Epoch ms with sub-millisecond precision, comparable across processes of one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export class Tracer {
  private spans: Span[] = [];
  private dropped = 0;

  constructor(
    readonly serviceId: string,
    /** False when telemetry is off: nothing is sampled or kept. */
    readonly enabled = true,
  ) {}

  /** A sampler for one client link: true for at most `perSec` roots a second, evenly spread. */
  sampler(perSec = TRACE_SAMPLES_PER_SEC): () => boolean {
    const gapMs = 1000 / perSec;
    let last = Number.NEGATIVE_INFINITY;
    return () => {
      if (!this.enabled) return false;
      const now = performance.now();
      if (now - last < gapMs) return false;
      last = now;
      return true;
    };
  }

  record(span: Span): void {
    if (!this.enabled) return;
    if (this.spans.length >= MAX_SPANS_PER_BATCH) this.dropped++;
    else this.spans.push(span);
  }

  get pending(): boolean {
    return this.spans.length > 0 || this.dropped > 0;
  }

  /** Hands over the spans of the window. */
  drain(): { spans: Span[]; spansDropped: number } {
    const out = { spans: this.spans, spansDropped: this.dropped };
    this.spans = [];
    this.dropped = 0;
    return out;
  }
}

/** The context of a request a client starts: a new trace, no parent span (spanId ''). */
export function rootContext(sampled: boolean): TraceContext {
  return { traceId: newTraceId(), spanId: '', sampled };
}

/** The context a service's own calls carry: the same trace, the server span as their parent. */
export function childOf(ctx: TraceContext, spanId: string): TraceContext {
  return { traceId: ctx.traceId, spanId, sampled: ctx.sampled };
}
