// Scenarios: a timeline of faults saved with the world, and assertions on the traffic it produced that decide
// whether the run passed. Played in the browser or headless from the command line (a world becomes a test).
import Type, { type Static } from 'typebox';
import { describeFault, FaultSpec } from './faults.js';
import { ServiceId } from './ids.js';

const strict = { additionalProperties: false } as const;

export const MAX_SCENARIO_S = 3600;

const At = Type.Number({ minimum: 0, maximum: MAX_SCENARIO_S, description: 'Seconds from the start of the run.' });

export const ScenarioStep = Type.Union([
  /** Injects a fault (latency, abort, drop, partition on a link; pause on a service). */
  Type.Object({ atS: At, do: Type.Literal('fault'), fault: FaultSpec }, strict),
  /** SIGKILLs a service's process (its restart policy decides what follows). */
  Type.Object({ atS: At, do: Type.Literal('kill'), serviceId: ServiceId }, strict),
  /** Ends a pause of the service (SIGCONT): removes the pause faults in force on it. */
  Type.Object({ atS: At, do: Type.Literal('resume'), serviceId: ServiceId }, strict),
  /** Removes every fault in force. */
  Type.Object({ atS: At, do: Type.Literal('heal') }, strict),
]);
export type ScenarioStep = Static<typeof ScenarioStep>;

/**
 * A step in words: "+150 ms on link shopper → orders" (given the world's links; "link l2" without them, or for a
 * link it does not have), "kill orders", "heal: remove every fault".
 */
export function describeStep(
  step: ScenarioStep,
  links: readonly { id: string; from: string; to: string }[] = [],
): string {
  switch (step.do) {
    case 'fault': {
      const fault = step.fault;
      const link = 'linkId' in fault ? links.find((l) => l.id === fault.linkId) : undefined;
      const where =
        'linkId' in fault ? `link ${link ? `${link.from} → ${link.to}` : fault.linkId}` : `service ${fault.serviceId}`;
      return `${describeFault(step.fault)} on ${where}`;
    }
    case 'kill':
      return `kill ${step.serviceId}`;
    case 'resume':
      return `resume ${step.serviceId}`;
    case 'heal':
      return 'heal: remove every fault';
  }
}

export const Scenario = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    /** How long the run lasts; traffic from the whole run is measured. */
    durationS: Type.Number({ minimum: 1, maximum: MAX_SCENARIO_S }),
    steps: Type.Array(ScenarioStep, { maxItems: 200 }),
    /** e.g. "p99(a->b) < 200ms", "errors(client) < 1%", "rate(a->b) > 10/s". */
    assertions: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50 }),
  },
  strict,
);
export type Scenario = Static<typeof Scenario>;

export type AssertionMetric = 'p50' | 'p90' | 'p99' | 'max' | 'avg' | 'errors' | 'rate';
export type AssertionOp = '<' | '<=' | '>' | '>=';

export interface Assertion {
  text: string;
  metric: AssertionMetric;
  /** A link "a->b", or a service id (its outbound calls over every link). */
  target: { from: string; to: string } | { service: string };
  op: AssertionOp;
  /** In ms for latencies, a fraction (0-1) for errors, per second for rate. */
  threshold: number;
}

const LATENCY = ['p50', 'p90', 'p99', 'max', 'avg'];
const FORM =
  /^\s*(p50|p90|p99|max|avg|errors|rate)\(\s*([a-z0-9-]+)\s*(?:->\s*([a-z0-9-]+)\s*)?\)\s*(<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|%|\/s)?\s*$/;

/** Parses one assertion; the error says what form is expected. */
export function parseAssertion(text: string): { ok: true; value: Assertion } | { ok: false; message: string } {
  const m = FORM.exec(text);
  if (!m) {
    return {
      ok: false,
      message: `cannot read assertion ${JSON.stringify(text)}: expected e.g. "p99(a->b) < 200ms", "errors(client) < 1%" or "rate(a->b) > 10/s"`,
    };
  }
  const [, metric, from, to, op, number, unit] = m as unknown as [
    string,
    AssertionMetric,
    string,
    string | undefined,
    AssertionOp,
    string,
    string | undefined,
  ];
  let threshold = Number(number);
  if (LATENCY.includes(metric)) {
    if (unit !== undefined && unit !== 'ms' && unit !== 's') {
      return { ok: false, message: `${metric}(…) is a latency: give its threshold in ms or s, not "${unit}"` };
    }
    if (unit === 's') threshold *= 1000;
  } else if (metric === 'errors') {
    if (unit !== '%')
      return { ok: false, message: 'errors(…) is a share of calls: give its threshold in %, e.g. < 1%' };
    threshold /= 100;
  } else if (unit !== undefined && unit !== '/s') {
    return { ok: false, message: 'rate(…) is calls per second: give its threshold in /s, e.g. > 10/s' };
  }
  if (LATENCY.includes(metric) && to === undefined) {
    return { ok: false, message: `${metric}(…) needs a link, e.g. ${metric}(a->b)` };
  }
  return {
    ok: true,
    value: { text: text.trim(), metric, target: to === undefined ? { service: from } : { from, to }, op, threshold },
  };
}

export function compare(value: number, op: AssertionOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** POST /api/worlds/:id/scenario-runs: play one of the saved world's scenarios on the controller. */
export const ScenarioRunRequest = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, strict);
export type ScenarioRunRequest = Static<typeof ScenarioRunRequest>;

/** The answer of POST /api/worlds/:id/scenario-runs (202): the run started; its lines come as scenario:progress. */
export const RunStarted = Type.Object({ name: Type.String() }, strict);
export type RunStarted = Static<typeof RunStarted>;

/** One assertion judged: held or not, and what was measured ("p99(a->b) = 212.4 ms, needed < 200 ms"). */
export const AssertionVerdict = Type.Object(
  {
    text: Type.String(),
    ok: Type.Boolean(),
    message: Type.String(),
    /** What was measured, in the assertion's unit (ms, a share 0-1, per second); null when nothing was. */
    value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  strict,
);
export type AssertionVerdict = Static<typeof AssertionVerdict>;

/** How a scenario run ended: every assertion judged, and the steps that could not be applied (with why). */
export const ScenarioOutcome = Type.Object(
  { passed: Type.Boolean(), results: Type.Array(AssertionVerdict), stepErrors: Type.Array(Type.String()) },
  strict,
);
export type ScenarioOutcome = Static<typeof ScenarioOutcome>;

/** The verdicts a person is shown: each assertion's, then each step that failed (as a verdict that did not hold). */
export function scenarioVerdicts(outcome: ScenarioOutcome): AssertionVerdict[] {
  return [
    ...outcome.results.map(({ text, ok, message }) => ({ text, ok, message })),
    ...outcome.stepErrors.map((message) => ({ text: 'step', ok: false, message })),
  ];
}

/** The `scenario:progress` socket event: one line of a run, and at its end the verdict. */
export const ScenarioProgress = Type.Object(
  {
    worldId: Type.String(),
    name: Type.String(),
    line: Type.String(),
    done: Type.Boolean(),
    passed: Type.Optional(Type.Boolean()),
    results: Type.Optional(Type.Array(AssertionVerdict)),
  },
  strict,
);
export type ScenarioProgress = Static<typeof ScenarioProgress>;
