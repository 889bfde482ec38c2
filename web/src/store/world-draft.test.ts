import { validateWorld, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { toFlow, toWorld } from './world-draft';

const WORLD: World = {
  version: 1,
  name: 'policies',
  services: [
    {
      id: 'c',
      kind: 'client',
      position: { x: 0, y: 0 },
      restart: 'always',
      config: { rps: 5, calls: { timeoutMs: 300 } },
    },
    {
      id: 'a',
      kind: 'service',
      position: { x: 200, y: 0 },
      restart: 'on-failure',
      config: { calls: { mode: 'weighted', retries: 2, breaker: { failures: 3, openMs: 1000 } } },
    },
    { id: 'b', kind: 'service', position: { x: 400, y: 0 }, config: {} },
    { id: 'd', kind: 'service', position: { x: 400, y: 100 }, config: {} },
  ],
  links: [
    { id: 'l1', from: 'c', to: 'a' },
    { id: 'l2', from: 'a', to: 'b', weight: 3 },
    { id: 'l3', from: 'a', to: 'd', weight: 1 },
  ],
  scenarios: [
    {
      name: 'cut d',
      durationS: 10,
      steps: [{ atS: 2, do: 'fault', fault: { kind: 'partition', linkId: 'l3' } }],
      assertions: ['errors(c) < 50%'],
    },
  ],
};

describe('world draft', () => {
  it('keeps restart policies, call policies and link weights through the canvas and back', () => {
    const { nodes, edges } = toFlow(WORLD);
    const back = toWorld({ name: WORLD.name, settings: undefined, scenarios: WORLD.scenarios, nodes, edges });
    expect(back).toEqual(WORLD);
    expect(validateWorld(back).ok).toBe(true);
  });
});
