// Pure: the numbers a scenario's assertions talk about, from the traffic frames of its run, and the verdict.
// Telemetry carries per-window counts, mean and max latency (not every call's latency), so percentiles are
// estimated from the 200 ms windows: p50 is the call-weighted median of the window means; p90 and p99 are
// call-weighted percentiles of the window maxima, which can only overstate them (a pass is a safe pass).
import { type Assertion, compare, type TrafficFrame } from '@dw/world';

export interface AssertionResult {
  text: string;
  ok: boolean;
  /** What was measured, in the assertion's unit (ms, a share 0-1, per second); null when nothing was. */
  value: number | null;
  /** A sentence for people: "p99(a->b) = 212.4 ms, needed < 200 ms". */
  message: string;
}

interface Window {
  requests: number;
  failed: number;
  mean: number;
  max: number;
}

function weightedPercentile(points: { value: number; weight: number }[], p: number): number {
  const sorted = points.filter((x) => x.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, x) => n + x.weight, 0);
  let seen = 0;
  for (const point of sorted) {
    seen += point.weight;
    if (seen >= total * p) return point.value;
  }
  return sorted.at(-1)?.value ?? 0;
}

function format(value: number, assertion: Assertion): string {
  if (assertion.metric === 'errors') return `${(value * 100).toFixed(2)}%`;
  if (assertion.metric === 'rate') return `${value.toFixed(1)}/s`;
  return `${value.toFixed(1)} ms`;
}

function describeTarget(assertion: Assertion): string {
  const t = assertion.target;
  return 'service' in t ? t.service : `${t.from}->${t.to}`;
}

/** Judges one assertion over the frames of a run. */
export function evaluateAssertion(assertion: Assertion, frames: readonly TrafficFrame[]): AssertionResult {
  const t = assertion.target;
  const windows: Window[] = [];
  let spanMs = 0;
  for (const frame of frames) {
    spanMs += frame.windowMs;
    for (const link of frame.links) {
      const matches = 'service' in t ? link.from === t.service : link.from === t.from && link.to === t.to;
      if (!matches || link.requests === 0) continue;
      windows.push({
        requests: link.requests,
        failed: link.errors + link.refused,
        mean: link.latencyMsAvg,
        max: link.latencyMsMax,
      });
    }
  }
  const requests = windows.reduce((n, w) => n + w.requests, 0);
  const name = `${assertion.metric}(${describeTarget(assertion)})`;
  if (requests === 0 && assertion.metric !== 'rate') {
    return { text: assertion.text, ok: false, value: null, message: `${name}: no calls were made during the run` };
  }
  let value: number;
  switch (assertion.metric) {
    case 'errors':
      value = windows.reduce((n, w) => n + w.failed, 0) / requests;
      break;
    case 'rate':
      value = spanMs > 0 ? (requests * 1000) / spanMs : 0;
      break;
    case 'avg':
      value = windows.reduce((n, w) => n + w.mean * w.requests, 0) / requests;
      break;
    case 'max':
      value = Math.max(...windows.map((w) => w.max));
      break;
    case 'p50':
      value = weightedPercentile(
        windows.map((w) => ({ value: w.mean, weight: w.requests })),
        0.5,
      );
      break;
    case 'p90':
    case 'p99':
      value = weightedPercentile(
        windows.map((w) => ({ value: w.max, weight: w.requests })),
        assertion.metric === 'p90' ? 0.9 : 0.99,
      );
      break;
  }
  const ok = compare(value, assertion.op, assertion.threshold);
  const needed = `${assertion.op} ${format(assertion.threshold, assertion)}`;
  return {
    text: assertion.text,
    ok,
    value,
    message: `${name} = ${format(value, assertion)}, ${ok ? 'within' : 'needed'} ${needed} (${requests} calls)`,
  };
}
