// The validator's sentences in the editor's words: a field by the label the inspector gives it ("latency (ms)",
// not "latencyMs"), a share of 1 as the percent the field takes, comparisons in words, NaN as "not a number", and a
// place in the world by the name of what is there ("orders", "shopper → orders"), never a JSON pointer.
import type { Problem, World } from '@dw/world';

/** Labels of the fields whose key alone says little; any other key is split into words ("valueBytes": "value bytes"). */
const LABELS: Record<string, string> = {
  rps: 'rate (req/s)',
  toRps: 'ramp to (req/s)',
  overS: 'ramp over (s)',
  latencyMs: 'latency (ms)',
  min: 'latency min (ms)',
  max: 'latency max (ms)',
  errorRate: 'error rate',
  readShare: 'read share',
  writeShare: 'write share',
  payloadBytes: 'payload (bytes)',
  timeoutMs: 'timeout (ms)',
  openMs: 'breaker open (ms)',
  hopBudget: 'hop budget',
  leafLifetimeMinutes: 'certificate lifetime (min)',
  id: 'name',
};

/** Fields that hold a share of 1 and are typed as a percent. */
const PERCENT = new Set(['errorRate', 'readShare', 'writeShare']);

const COMPARISONS: Record<string, string> = { '<=': 'at most', '>=': 'at least', '<': 'below', '>': 'above' };

function labelOf(key: string): string {
  return LABELS[key] ?? key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

const numberWords = (text: string, percent: boolean): string => {
  const value = Number(text);
  if (!Number.isFinite(value)) return text;
  const shown = percent ? Number((value * 100).toPrecision(12)) : value;
  return `${shown.toLocaleString('en-US', { maximumFractionDigits: 6 })}${percent ? '%' : ''}`;
};

/** One problem's message in the editor's words (its pointer names the field when the message does not). */
export function plainMessage(problem: Problem, world: Pick<World, 'services' | 'links'>): string {
  const key = problem.pointer.split('/').pop() ?? '';
  const percent = PERCENT.has(key);
  return (
    problem.message
      // the field as the inspector labels it
      .replace(/"([A-Za-z][A-Za-z0-9]*)"/g, (whole, name: string) =>
        name in LABELS || /[a-z][A-Z]/.test(name) || name === key ? labelOf(name) : whole,
      )
      .replace(/must be a number, not NaN\b/g, 'must be a number')
      .replace(/\bnot NaN\b/g, 'not a number')
      .replace(/(<=|>=|<|>) (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/g, (_, op: string, n: string) => {
        return `${COMPARISONS[op]} ${numberWords(n, percent)}`;
      })
      .replace(
        /\bbetween (-?\d+(?:\.\d+)?) and (-?\d+(?:\.\d+)?)/g,
        (_, a: string, b: string) => `between ${numberWords(a, percent)} and ${numberWords(b, percent)}`,
      )
      .replace(/\bnot (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/, (_, n: string) => `not ${numberWords(n, percent)}`)
      // a place in the world by the name of what is there
      .replace(/\/services\/(\d+)\b/g, (whole, at: string) => world.services[Number(at)]?.id ?? whole)
      .replace(/\/links\/(\d+)\b/g, (whole, at: string) => {
        const link = world.links[Number(at)];
        return link ? `${link.from} → ${link.to}` : whole;
      })
  );
}
