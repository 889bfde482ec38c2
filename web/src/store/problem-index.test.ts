import { EXAMPLE_WORLD, validateWorld, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { indexProblems, problemSubject } from './problem-index';

function problemsOf(world: World) {
  const result = validateWorld(world);
  if (result.ok) throw new Error('expected problems');
  return indexProblems(result.problems, world);
}

describe('problem index', () => {
  it('puts a bad config value on its node and field', () => {
    const world = structuredClone(EXAMPLE_WORLD);
    world.services[1]!.config = { latencyMs: 5, errorRate: 2 };
    const index = problemsOf(world);
    expect(Object.keys(index.nodes)).toEqual(['orders']);
    expect(index.nodes.orders?.['config/errorRate']).toMatch(/^error rate must be at most 100%, not 200%/);
  });

  it('puts a bad link end on the link, and a bad name on the world', () => {
    const world = structuredClone(EXAMPLE_WORLD);
    world.name = ' ';
    world.links.push({ id: 'l9', from: 'orders', to: 'shopper' });
    const index = problemsOf(world);
    expect(index.links.l9?.to).toMatch(/client/);
    expect(index.world.name).toMatch(/name/);
    expect(problemSubject(index.list.find((p) => p.pointer.startsWith('/links'))!, world)).toMatchObject({
      linkId: 'l9',
    });
  });
});
