// Pure edits behind the scenario panel: a new scenario, a step of each kind, moving items, and assertions as a
// form (metric, target, comparator, threshold, unit) written back to the text the world file keeps.
import {
  type AssertionMetric,
  type AssertionOp,
  kindOf,
  type Scenario,
  type ScenarioStep,
  type World,
} from '@dw/world';

/** What a step does, as the panel offers it (latency, abort, drop and partition are faults on a link). */
export type StepKind = 'latency' | 'abort' | 'drop' | 'partition' | 'pause' | 'resume' | 'kill' | 'heal';

export const STEP_KINDS: { kind: StepKind; label: string; on: 'link' | 'service' | null }[] = [
  { kind: 'latency', label: 'add latency', on: 'link' },
  { kind: 'abort', label: 'abort calls', on: 'link' },
  { kind: 'drop', label: 'drop answers', on: 'link' },
  { kind: 'partition', label: 'partition', on: 'link' },
  { kind: 'pause', label: 'pause', on: 'service' },
  { kind: 'resume', label: 'resume', on: 'service' },
  { kind: 'kill', label: 'kill', on: 'service' },
  { kind: 'heal', label: 'heal (all faults)', on: null },
];

export function stepKind(step: ScenarioStep): StepKind {
  return step.do === 'fault' ? step.fault.kind : step.do;
}

/** The link or service a step acts on ("" for heal). */
export function stepTarget(step: ScenarioStep): string {
  if (step.do === 'fault') return 'linkId' in step.fault ? step.fault.linkId : step.fault.serviceId;
  return step.do === 'heal' ? '' : step.serviceId;
}

/** A step of `kind` at `atS`, on `target` (a link id or service id as the kind needs), with usual numbers. */
export function makeStep(kind: StepKind, atS: number, target: string): ScenarioStep {
  switch (kind) {
    case 'latency':
      return { atS, do: 'fault', fault: { kind, linkId: target, ms: 200 } };
    case 'abort':
    case 'drop':
      return { atS, do: 'fault', fault: { kind, linkId: target, percent: 50 } };
    case 'partition':
      return { atS, do: 'fault', fault: { kind, linkId: target } };
    case 'pause':
      return { atS, do: 'fault', fault: { kind, serviceId: target } };
    case 'resume':
    case 'kill':
      return { atS, do: kind, serviceId: target };
    case 'heal':
      return { atS, do: 'heal' };
  }
}

/** The same step with another kind: keeps its time, and its target when the new kind acts on the same sort. */
export function changeStepKind(step: ScenarioStep, kind: StepKind, world: World): ScenarioStep {
  const on = STEP_KINDS.find((k) => k.kind === kind)?.on ?? null;
  const was = STEP_KINDS.find((k) => k.kind === stepKind(step))?.on ?? null;
  const target =
    on === was && on !== null ? stepTarget(step) : on === 'link' ? (world.links[0]?.id ?? '') : firstService(world);
  return makeStep(kind, step.atS, target);
}

/** The first node a link may lead to (a service), else the first node: a step that acts on a process targets it. */
function firstService(world: World): string {
  return (world.services.find((s) => kindOf(s).facts.callable === true) ?? world.services[0])?.id ?? '';
}

/** A new step after the last one: latency on the first link, or a kill when the world has no link. */
export function newStep(scenario: Scenario, world: World): ScenarioStep {
  const last = scenario.steps.reduce((at, s) => Math.max(at, s.atS), 0);
  const atS = Math.min(scenario.durationS, scenario.steps.length === 0 ? Math.min(5, scenario.durationS) : last + 5);
  const link = world.links[0];
  return link ? makeStep('latency', atS, link.id) : makeStep('kill', atS, firstService(world));
}

/** "scenario 1", or the next number not taken. */
export function newScenario(existing: readonly Scenario[]): Scenario {
  const names = new Set(existing.map((s) => s.name));
  let n = existing.length + 1;
  while (names.has(`scenario ${n}`)) n++;
  return { name: `scenario ${n}`, durationS: 30, steps: [], assertions: [] };
}

/** `list` with the item at `from` moved to `to` (clamped); the same list when nothing moves. */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const target = Math.max(0, Math.min(list.length - 1, to));
  if (from === target || from < 0 || from >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(from, 1) as [T];
  next.splice(target, 0, item);
  return next;
}

export function replaceItem<T>(list: readonly T[], at: number, item: T): T[] {
  return list.map((x, i) => (i === at ? item : x));
}

export function removeItem<T>(list: readonly T[], at: number): T[] {
  return list.filter((_, i) => i !== at);
}

export type AssertionUnit = 'ms' | 's' | '%' | '/s';

export interface AssertionForm {
  metric: AssertionMetric;
  /** "a->b" for a link, a service id for all its outbound calls. */
  target: string;
  op: AssertionOp;
  /** As the person typed it: "" or "abc" make an assertion that does not parse, and validation says why. */
  threshold: string;
  unit: AssertionUnit;
}

export const METRICS: { metric: AssertionMetric; label: string; units: AssertionUnit[] }[] = [
  { metric: 'p50', label: 'p50', units: ['ms', 's'] },
  { metric: 'p90', label: 'p90', units: ['ms', 's'] },
  { metric: 'p99', label: 'p99', units: ['ms', 's'] },
  { metric: 'avg', label: 'mean', units: ['ms', 's'] },
  { metric: 'max', label: 'max', units: ['ms', 's'] },
  { metric: 'errors', label: 'errors', units: ['%'] },
  { metric: 'rate', label: 'rate', units: ['/s'] },
];

export const OPS: AssertionOp[] = ['<', '<=', '>', '>='];

export function unitsOf(metric: AssertionMetric): AssertionUnit[] {
  return METRICS.find((m) => m.metric === metric)?.units ?? ['ms'];
}

/** Latencies are measured on a link; errors and rate on a link or on a service's outbound calls. */
export function linkOnly(metric: AssertionMetric): boolean {
  return metric !== 'errors' && metric !== 'rate';
}

export function formatAssertion(form: AssertionForm): string {
  return `${form.metric}(${form.target}) ${form.op} ${form.threshold.trim()}${form.unit}`;
}

/** Like parseAssertion's form, but any threshold text: a check being typed keeps its form while it is wrong. */
const LOOSE =
  /^\s*(p50|p90|p99|max|avg|errors|rate)\(\s*([a-z0-9-]+(?:\s*->\s*[a-z0-9-]+)?)\s*\)\s*(<=|>=|<|>)\s*(.*?)\s*(ms|s|%|\/s)?\s*$/;

/** The form of an assertion text, or null when it is not of that form (the panel then shows it as text). */
export function readAssertion(text: string): AssertionForm | null {
  const m = LOOSE.exec(text);
  if (!m) return null;
  const [, metric, target, op, threshold, unit] = m as unknown as [
    string,
    AssertionMetric,
    string,
    AssertionOp,
    string,
    AssertionUnit | undefined,
  ];
  return {
    metric,
    target: target.replace(/\s+/g, ''),
    op,
    threshold,
    unit: unit ?? (unitsOf(metric)[0] as AssertionUnit),
  };
}

/** A first assertion for a world: errors of its first load source under 1%, or p99 of its first link under 200 ms. */
export function newAssertion(world: World): string {
  const client = world.services.find((s) => kindOf(s).facts.loadControl);
  if (client) return `errors(${client.id}) < 1%`;
  const link = world.links[0];
  return link ? `p99(${link.from}->${link.to}) < 200ms` : 'errors(client) < 1%';
}

/** The form with another metric: its unit follows, and a service target becomes a link where one is needed. */
export function changeMetric(form: AssertionForm, metric: AssertionMetric, world: World): AssertionForm {
  const units = unitsOf(metric);
  const unit = units.includes(form.unit) ? form.unit : (units[0] as AssertionUnit);
  let target = form.target;
  if (linkOnly(metric) && !target.includes('->')) {
    const link = world.links.find((l) => l.from === target) ?? world.links[0];
    target = link ? `${link.from}->${link.to}` : target;
  }
  return { ...form, metric, unit, target };
}

/** The scenarios with service `from` renamed to `to` in every step and check (a rename on the canvas follows). */
export function renameServiceInScenarios(scenarios: readonly Scenario[], from: string, to: string): Scenario[] {
  const renamed = (id: string) => (id === from ? to : id);
  return scenarios.map((scenario) => ({
    ...scenario,
    steps: scenario.steps.map((step): ScenarioStep => {
      if (step.do === 'kill' || step.do === 'resume') return { ...step, serviceId: renamed(step.serviceId) };
      if (step.do === 'fault' && step.fault.kind === 'pause')
        return { ...step, fault: { ...step.fault, serviceId: renamed(step.fault.serviceId) } };
      return step;
    }),
    assertions: scenario.assertions.map((text) => {
      const form = readAssertion(text);
      if (!form) return text;
      const target = form.target.split('->').map(renamed).join('->');
      return target === form.target ? text : formatAssertion({ ...form, target });
    }),
  }));
}
