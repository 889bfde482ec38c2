import { validateWorld, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { plainMessage } from './problem-words';

const world = (services: unknown[], links: unknown[] = []) => ({ version: 1, name: 'w', services, links }) as World;
const problemsOf = (w: World) => {
  const checked = validateWorld(w);
  if (checked.ok) throw new Error('expected problems');
  return checked.problems.map((p) => plainMessage(p, w));
};

describe("problems in the editor's words", () => {
  it('names a field by its label, says "not a number" for NaN and the limits in words', () => {
    const w = world([{ id: 'orders', kind: 'service', position: { x: 0, y: 0 }, config: { latencyMs: Number.NaN } }]);
    expect(problemsOf(w)).toEqual(['latency (ms) must be between 0 and 60,000, not a number']);
    const far = world([{ id: 'orders', kind: 'service', position: { x: 0, y: 0 }, config: { latencyMs: 90000 } }]);
    expect(problemsOf(far)).toEqual(['latency (ms) must be between 0 and 60,000, not 90,000']);
  });

  it('speaks of an error rate in the percent the field takes', () => {
    const w = world([
      { id: 'orders', kind: 'service', position: { x: 0, y: 0 }, config: { latencyMs: 1, errorRate: 20 } },
    ]);
    expect(problemsOf(w)).toEqual(['error rate must be at most 100%, not 2,000%']);
  });

  it('refuses a negative rate in words', () => {
    const w = world([{ id: 'shopper', kind: 'client', position: { x: 0, y: 0 }, config: { rps: -5 } }]);
    expect(problemsOf(w)).toEqual(['rate (req/s) must be at least 0, not -5']);
  });

  it('names a place in the world by what is there, never by a pointer', () => {
    const node = { kind: 'service', position: { x: 0, y: 0 }, config: { latencyMs: 1 } };
    const w = world([
      { id: 'orders', ...node },
      { id: 'orders', ...node },
    ]);
    const [message] = problemsOf(w);
    expect(message).toContain('orders');
    expect(message).not.toMatch(/\/services\/\d/);
  });
});
