import { EXAMPLE_WORLD, parseAssertion, type Scenario } from '@dw/world';
import { describe, expect, it } from 'vitest';
import {
  changeMetric,
  changeStepKind,
  formatAssertion,
  moveItem,
  newScenario,
  newStep,
  readAssertion,
  renameServiceInScenarios,
} from './scenario-edits';

const world = EXAMPLE_WORLD;
const empty: Scenario = { name: 'a', durationS: 30, steps: [], assertions: [] };

describe('scenario edits', () => {
  it('reads an assertion into its form and writes back text the server parses the same way', () => {
    for (const text of [
      'p99(orders->payments) < 200ms',
      'p50(a->b) >= 1.5s',
      'errors(shopper) < 1%',
      'rate(a->b) > 10/s',
    ]) {
      const form = readAssertion(text);
      expect(form).not.toBeNull();
      const again = formatAssertion(form as NonNullable<typeof form>);
      expect(parseAssertion(again)).toEqual({
        ok: true,
        value: { ...(parseAssertion(text) as { value: object }).value, text: again },
      });
    }
    // a threshold being typed keeps the form; the server's message explains it
    expect(readAssertion('p99(a->b) < ms')).toMatchObject({ metric: 'p99', threshold: '', unit: 'ms' });
    expect(readAssertion('whatever the file said')).toBeNull();
  });

  it('changes a metric with its unit, and a latency of a service becomes one of its links', () => {
    const form = readAssertion('errors(orders) < 1%');
    expect(changeMetric(form as NonNullable<typeof form>, 'p99', world)).toEqual({
      metric: 'p99',
      target: 'orders->payments',
      op: '<',
      threshold: '1',
      unit: 'ms',
    });
  });

  it('adds steps after the last, changes their kind keeping time and target where it fits, and moves them', () => {
    const first = newStep(empty, world);
    expect(first).toEqual({ atS: 5, do: 'fault', fault: { kind: 'latency', linkId: 'l1', ms: 200 } });
    expect(newStep({ ...empty, steps: [first] }, world).atS).toBe(10);
    expect(changeStepKind(first, 'abort', world)).toEqual({
      atS: 5,
      do: 'fault',
      fault: { kind: 'abort', linkId: 'l1', percent: 50 },
    });
    expect(changeStepKind(first, 'pause', world)).toEqual({
      atS: 5,
      do: 'fault',
      fault: { kind: 'pause', serviceId: 'orders' },
    });
    expect(changeStepKind(changeStepKind(first, 'pause', world), 'resume', world)).toEqual({
      atS: 5,
      do: 'resume',
      serviceId: 'orders',
    });
    expect(changeStepKind(first, 'heal', world)).toEqual({ atS: 5, do: 'heal' });
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('names a new scenario with a number not taken', () => {
    expect(newScenario([{ ...empty, name: 'scenario 2' }]).name).toBe('scenario 3');
  });

  it('follows a service renamed on the canvas into every step and check', () => {
    const scenario: Scenario = {
      ...empty,
      steps: [
        { atS: 1, do: 'kill', serviceId: 'orders' },
        { atS: 2, do: 'fault', fault: { kind: 'pause', serviceId: 'orders' } },
        { atS: 3, do: 'resume', serviceId: 'orders' },
        { atS: 4, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 5 } },
      ],
      assertions: ['p99(orders->payments) < 2s', 'errors(orders) < 1%', 'rate(shopper->orders) > 5/s', 'hand written'],
    };
    expect(renameServiceInScenarios([scenario], 'orders', 'checkout')).toEqual([
      {
        ...empty,
        steps: [
          { atS: 1, do: 'kill', serviceId: 'checkout' },
          { atS: 2, do: 'fault', fault: { kind: 'pause', serviceId: 'checkout' } },
          { atS: 3, do: 'resume', serviceId: 'checkout' },
          { atS: 4, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 5 } },
        ],
        assertions: [
          'p99(checkout->payments) < 2s',
          'errors(checkout) < 1%',
          'rate(shopper->checkout) > 5/s',
          'hand written',
        ],
      },
    ]);
  });
});
