// Pure: the numbers a scenario's assertions talk about, from the traffic frames of its run, and the verdict.
// Each frame carries every link's latency histogram for its 200 ms window; the histograms of the frames in range
// are added up and the quantile is taken from the sum, so p99 over 30 s is the p99 of all the calls in those 30 s
// (to within a bucket, and never above the slowest call), not a maximum or a mean of window p99s.
import {
  type Assertion,
  type AssertionVerdict,
  addHistogram,
  compare,
  emptyHistogram,
  histogramQuantile,
  type TrafficFrame,
} from '@dw/world';

/** A verdict (@dw/world) that always says what was measured (null when nothing was). */
export type AssertionResult = AssertionVerdict & { value: number | null };

function format(value: number, assertion: Assertion): string {
  if (assertion.metric === 'errors') return `${(value * 100).toFixed(2)}%`;
  if (assertion.metric === 'rate') return `${value.toFixed(1)}/s`;
  return `${value.toFixed(1)} ms`;
}

function describeTarget(assertion: Assertion): string {
  const t = assertion.target;
  return 'service' in t ? t.service : `${t.from}->${t.to}`;
}

const QUANTILE = { p50: 0.5, p90: 0.9, p99: 0.99 } as const;

/** Judges one assertion over the frames of a run (or of any stretch of time: a ramp's step). */
export function evaluateAssertion(assertion: Assertion, frames: readonly TrafficFrame[]): AssertionResult {
  const t = assertion.target;
  let spanMs = 0;
  let requests = 0;
  let failed = 0;
  let latencySum = 0;
  let latencyMax = 0;
  const histogram = emptyHistogram();
  for (const frame of frames) {
    spanMs += frame.windowMs;
    for (const link of frame.links) {
      const matches = 'service' in t ? link.from === t.service : link.from === t.from && link.to === t.to;
      if (!matches || link.requests === 0) continue;
      requests += link.requests;
      failed += link.errors + link.refused;
      latencySum += link.latencyMsAvg * link.requests;
      latencyMax = Math.max(latencyMax, link.latencyMsMax);
      if (link.latencyBuckets) addHistogram(histogram, link.latencyBuckets);
    }
  }
  const name = `${assertion.metric}(${describeTarget(assertion)})`;
  if (requests === 0 && assertion.metric !== 'rate') {
    return { text: assertion.text, ok: false, value: null, message: `${name}: no calls were made during the run` };
  }
  let value: number;
  switch (assertion.metric) {
    case 'errors':
      value = failed / requests;
      break;
    case 'rate':
      value = spanMs > 0 ? (requests * 1000) / spanMs : 0;
      break;
    case 'avg':
      value = latencySum / requests;
      break;
    case 'max':
      value = latencyMax;
      break;
    case 'p50':
    case 'p90':
    case 'p99':
      // A sender that reports no histogram leaves it empty: then the slowest call is the only safe answer.
      value = histogram.some((n) => n > 0)
        ? histogramQuantile(histogram, QUANTILE[assertion.metric], latencyMax)
        : latencyMax;
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
