// The recent sampled traces of one deployment, assembled from the spans services report. Bounded: at most
// MAX_TRACES traces (the oldest goes first) of at most MAX_SPANS_PER_TRACE spans each.
import type { Span, Trace, TraceSummary } from '@dw/world';

export const MAX_TRACES = 500;
export const MAX_SPANS_PER_TRACE = 512;

interface Entry {
  spans: Span[];
  start: number;
  end: number;
  /** When its first span arrived here (ms since epoch). */
  arrivedAt: number;
}

/** A trace is listed once its first span is this old: the other hops' spans come with later batches. */
export const LIST_AFTER_MS = 1000;

export class TraceStore {
  private readonly traces = new Map<string, Entry>();

  constructor(
    private readonly maxTraces = MAX_TRACES,
    private readonly maxSpans = MAX_SPANS_PER_TRACE,
  ) {}

  /** Adds the spans of one batch; `reporter` is the service that sent it, and may only report its own spans. */
  add(reporter: string, spans: readonly Span[], now = Date.now()): void {
    for (const span of spans) {
      if (span.service !== reporter) continue;
      let entry = this.traces.get(span.traceId);
      if (!entry) {
        if (this.traces.size >= this.maxTraces) {
          const oldest = this.traces.keys().next().value as string;
          this.traces.delete(oldest);
        }
        entry = { spans: [], start: span.start, end: span.start + span.durationMs, arrivedAt: now };
        this.traces.set(span.traceId, entry);
      }
      if (entry.spans.length >= this.maxSpans) continue;
      entry.spans.push(span);
      entry.start = Math.min(entry.start, span.start);
      entry.end = Math.max(entry.end, span.start + span.durationMs);
    }
  }

  get size(): number {
    return this.traces.size;
  }

  /** The trace's spans, parents before their children and siblings by start; undefined when not kept. */
  get(traceId: string): Trace | undefined {
    const entry = this.traces.get(traceId);
    if (!entry) return undefined;
    return { traceId, spans: orderSpans(entry.spans) };
  }

  /**
   * The newest traces first (by when their first span arrived), at most `limit`, leaving out those that began
   * arriving less than `LIST_AFTER_MS` before `now` (so a listed trace is whole, or as whole as it will get).
   */
  recent(limit: number, now = Date.now()): TraceSummary[] {
    const out: TraceSummary[] = [];
    const ids = [...this.traces.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const traceId = ids[i] as string;
      const entry = this.traces.get(traceId) as Entry;
      if (now - entry.arrivedAt < LIST_AFTER_MS) continue;
      const first = entry.spans.reduce((a, b) => (b.start < a.start ? b : a));
      out.push({
        traceId,
        start: entry.start,
        durationMs: Math.round((entry.end - entry.start) * 1000) / 1000,
        root: first.service,
        services: new Set(entry.spans.map((s) => s.service)).size,
        spans: entry.spans.length,
        errors: entry.spans.filter((s) => s.outcome !== 'ok').length,
      });
    }
    return out;
  }
}

/** Depth-first from the roots (spans whose parent is not in the trace), children by start time. */
export function orderSpans(spans: readonly Span[]): Span[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, Span[]>();
  for (const span of spans) {
    const parent = span.parentId !== null && ids.has(span.parentId) ? span.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null) => {
    for (const span of children.get(parent) ?? []) {
      if (seen.has(span.spanId)) continue; // a repeated span id must not loop
      seen.add(span.spanId);
      out.push(span);
      visit(span.spanId);
    }
  };
  visit(null);
  return out;
}
