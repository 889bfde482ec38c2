// Pure: the numbers a scenario's assertions talk about, from the traffic frames of its run, and the verdict.
// Each frame carries every link's calls of its 200 ms window (counts, latency sum, fastest and slowest, histogram);
// the windows in range are tallied and the figures of @dw/world (figures.ts) read from the tally, so p99 over 30 s
// is the p99 of all the calls in those 30 s (to within a bucket, never outside the fastest and slowest call), not
// a maximum or a mean of window p99s; and a figure means here what it means on a link's label.
import {
  type Assertion,
  type AssertionVerdict,
  addCalls,
  compare,
  emptyTally,
  failedShare,
  latencyMean,
  latencyQuantile,
  ratePerSec,
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
  const tally = emptyTally();
  for (const frame of frames) {
    tally.spanMs += frame.windowMs;
    for (const link of frame.links) {
      const matches = 'service' in t ? link.from === t.service : link.from === t.from && link.to === t.to;
      if (matches) addCalls(tally, link);
    }
  }
  const name = `${assertion.metric}(${describeTarget(assertion)})`;
  if (tally.requests === 0 && assertion.metric !== 'rate') {
    return { text: assertion.text, ok: false, value: null, message: `${name}: no calls were made during the run` };
  }
  let value: number;
  switch (assertion.metric) {
    case 'errors':
      value = failedShare(tally);
      break;
    case 'rate':
      value = ratePerSec(tally);
      break;
    case 'avg':
      value = latencyMean(tally);
      break;
    case 'max':
      value = tally.latencyMsMax;
      break;
    case 'p50':
    case 'p90':
    case 'p99':
      // A sender that reports no histogram leaves none: then the slowest call is the only safe answer.
      value = latencyQuantile(tally, QUANTILE[assertion.metric]);
      break;
  }
  const ok = compare(value, assertion.op, assertion.threshold);
  const needed = `${assertion.op} ${format(assertion.threshold, assertion)}`;
  return {
    text: assertion.text,
    ok,
    value,
    message: `${name} = ${format(value, assertion)}, ${ok ? 'within' : 'needed'} ${needed} (${tally.requests} calls)`,
  };
}
