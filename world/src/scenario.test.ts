import { describe, expect, it } from 'vitest';
import { EXAMPLE_WORLD } from './example.js';
import { compare, describeStep, parseAssertion } from './scenario.js';
import { validateWorld } from './validate.js';

describe('parseAssertion', () => {
  it.each([
    ['p99(a->b) < 200ms', { metric: 'p99', target: { from: 'a', to: 'b' }, op: '<', threshold: 200 }],
    ['p50( a -> b ) <= 1.5s', { metric: 'p50', target: { from: 'a', to: 'b' }, op: '<=', threshold: 1500 }],
    ['errors(client) < 1%', { metric: 'errors', target: { service: 'client' }, op: '<', threshold: 0.01 }],
    ['errors(a->b) >= 20%', { metric: 'errors', target: { from: 'a', to: 'b' }, op: '>=', threshold: 0.2 }],
    ['rate(a->b) > 10/s', { metric: 'rate', target: { from: 'a', to: 'b' }, op: '>', threshold: 10 }],
  ])('reads %s', (text, expected) => {
    const parsed = parseAssertion(text);
    expect(parsed.ok && parsed.value).toMatchObject(expected);
  });

  it.each([
    ['p99 a->b < 200', 'expected e.g.'],
    ['errors(client) < 1ms', 'in %'],
    ['p99(a->b) < 20%', 'in ms or s'],
    ['p99(client) < 20ms', 'needs a link'],
  ])('refuses %s, saying why', (text, why) => {
    const parsed = parseAssertion(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(why);
  });

  it('compares', () => {
    expect(compare(1, '<', 2)).toBe(true);
    expect(compare(2, '<', 2)).toBe(false);
    expect(compare(2, '<=', 2)).toBe(true);
    expect(compare(3, '>', 2)).toBe(true);
    expect(compare(2, '>=', 2)).toBe(true);
  });
});

describe('scenarios in a world', () => {
  const withScenario = (scenario: unknown) => ({ ...JSON.parse(JSON.stringify(EXAMPLE_WORLD)), scenarios: [scenario] });

  it('accepts a timeline with assertions on its links and services', () => {
    const result = validateWorld(
      withScenario({
        name: 'slow payments',
        durationS: 30,
        steps: [
          { atS: 10, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 200 } },
          { atS: 20, do: 'kill', serviceId: 'inventory' },
          { atS: 25, do: 'heal' },
        ],
        assertions: ['p99(orders->payments) < 500ms', 'errors(shopper) < 50%'],
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('points at steps and assertions that name nothing in the world, or do not parse', () => {
    const result = validateWorld(
      withScenario({
        name: 's',
        durationS: 5,
        steps: [
          { atS: 1, do: 'fault', fault: { kind: 'partition', linkId: 'l9' } },
          { atS: 9, do: 'kill', serviceId: 'ghost' },
        ],
        assertions: ['p99(orders->shopper) < 5ms', 'errors(nobody) < 1%', 'fast(a) < 1'],
      }),
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.pointer)).toEqual([
      '/scenarios/0/steps/0/fault/linkId',
      '/scenarios/0/steps/1/atS',
      '/scenarios/0/steps/1/serviceId',
      '/scenarios/0/assertions/0',
      '/scenarios/0/assertions/1',
      '/scenarios/0/assertions/2',
    ]);
  });
});

describe('describeStep', () => {
  it.each([
    [{ atS: 1, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 150, jitterMs: 10 } }, '+150±10 ms on link l2'],
    [{ atS: 1, do: 'fault', fault: { kind: 'pause', serviceId: 'orders' } }, 'paused on service orders'],
    [{ atS: 2, do: 'resume', serviceId: 'orders' }, 'resume orders'],
    [{ atS: 3, do: 'kill', serviceId: 'orders' }, 'kill orders'],
    [{ atS: 4, do: 'heal' }, 'heal: remove every fault'],
  ] as const)('%j', (step, words) => {
    expect(describeStep(step)).toBe(words);
  });

  it('names a link by its ends when it knows the links, as a person drew them', () => {
    const links = [{ id: 'l2', from: 'orders', to: 'payments' }];
    const step = { atS: 1, do: 'fault', fault: { kind: 'partition', linkId: 'l2' } } as const;
    expect(describeStep(step, links)).toMatch(/ on link orders → payments$/);
    expect(describeStep({ ...step, fault: { kind: 'partition', linkId: 'l9' } }, links)).toMatch(/ on link l9$/);
  });

  it('a resume of a service that is not in the world is pointed at', () => {
    const world = {
      ...JSON.parse(JSON.stringify(EXAMPLE_WORLD)),
      scenarios: [{ name: 's', durationS: 5, steps: [{ atS: 1, do: 'resume', serviceId: 'nobody' }], assertions: [] }],
    };
    const result = validateWorld(world);
    expect(result.ok ? [] : result.problems).toEqual([
      { pointer: '/scenarios/0/steps/0/serviceId', message: 'service "nobody" does not exist in this world' },
    ]);
  });
});
