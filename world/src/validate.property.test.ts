// Property tests: whatever arrives, the validator answers (never throws), every pointer it gives resolves in
// the input, and every world built by the rules is accepted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePointer } from './pointer.js';
import { validateWorld } from './validate.js';
import type { Link, World, WorldService } from './world.js';

const RUNS = 400;

const dnsLabel = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), maxLength: 30 }),
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  )
  .map(([a, middle, z]) => `${a}${middle}${z}`);

const position = fc.record({
  x: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  y: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
});
const latency = fc.oneof(
  fc.double({ min: 0, max: 60_000, noNaN: true }),
  fc
    .tuple(fc.double({ min: 0, max: 60_000, noNaN: true }), fc.double({ min: 0, max: 60_000, noNaN: true }))
    .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
);
const clientConfig = fc.record(
  { rps: fc.double({ min: 0, max: 1000, noNaN: true }), payloadBytes: fc.integer({ min: 0, max: 1024 * 1024 }) },
  { requiredKeys: ['rps'] },
);
const serviceConfig = fc.record(
  { latencyMs: latency, errorRate: fc.double({ min: 0, max: 1, noNaN: true }) },
  { requiredKeys: [] },
);

/** A world that follows every rule: unique DNS ids, links between existing services, never into a client. */
export const validWorld: fc.Arbitrary<World> = fc.uniqueArray(dnsLabel, { maxLength: 15 }).chain((ids) =>
  fc
    .tuple(
      fc.tuple(...ids.map(() => fc.tuple(fc.boolean(), position, clientConfig, serviceConfig))),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
      fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim().length > 0),
      fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
    )
    .map(([shapes, pairs, name, hopBudget]) => {
      const services: WorldService[] = ids.map((id, i) => {
        const [isClient, pos, client, service] = shapes[i] as [boolean, World['services'][0]['position'], any, any];
        return isClient
          ? { id, kind: 'client', position: pos, config: client }
          : { id, kind: 'service', position: pos, config: service };
      });
      const links: Link[] = [];
      const seen = new Set<string>();
      for (const [a, b] of pairs) {
        if (services.length === 0) break;
        const from = services[a % services.length] as WorldService;
        const to = services[b % services.length] as WorldService;
        if (from.id === to.id || to.kind === 'client' || seen.has(`${from.id}>${to.id}`)) continue;
        seen.add(`${from.id}>${to.id}`);
        links.push({ id: `l${links.length + 1}`, from: from.id, to: to.id });
      }
      const world: World = { version: 1, name, services, links };
      if (hopBudget !== undefined) world.settings = { hopBudget };
      return world;
    }),
);

function expectPointersResolve(input: unknown): void {
  const result = validateWorld(input);
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const problem of result.problems) {
    expect(resolvePointer(input, problem.pointer).found, `${problem.pointer}: ${problem.message}`).toBe(true);
    expect(problem.message.length).toBeGreaterThan(5);
  }
}

/** Replaces the value at a random path of a JSON value with another. */
function mutateAt(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] as number) % keys.length] as string;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  copy[key] = mutateAt(copy[key], path.slice(1), replacement);
  return copy;
}

describe('validateWorld, for any input', () => {
  it('accepts every world that follows the rules', () => {
    fc.assert(
      fc.property(validWorld, (world) => {
        const result = validateWorld(world);
        expect(result.ok ? [] : result.problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary JSON, and every pointer it gives resolves', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (input) => expectPointersResolve(input)),
      { numRuns: RUNS },
    );
  });

  it('answers a valid world with one value replaced anywhere: never throws, pointers resolve', () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('__proto__', 'constructor', '', 'Ω'.repeat(300), -1, 1e308, 2 ** 53, null),
    );
    fc.assert(
      fc.property(
        validWorld,
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        anyValue,
        (world, path, replacement) => expectPointersResolve(mutateAt(world, path, replacement)),
      ),
      { numRuns: RUNS },
    );
  });

  it('is not fooled by __proto__ and constructor keys', () => {
    const hostile = JSON.parse(
      '{"version":1,"name":"x","services":[{"id":"a","kind":"service","position":{"x":0,"y":0},"config":{"__proto__":{"errorRate":2}}}],"links":[],"constructor":{"prototype":{}}}',
    );
    const result = validateWorld(hostile);
    expect(result.ok).toBe(false);
    expectPointersResolve(hostile);
    expect(({} as any).errorRate).toBeUndefined();
  });

  it('reports huge arrays and deep nesting as problems, quickly', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const inputs = [
      { version: 1, name: 'big', services: Array.from({ length: 100_000 }, () => 0), links: [] },
      { version: 1, name: 'deep', services: [], links: [], extra: deep },
      { version: 1, name: 'x'.repeat(1_000_000), services: [], links: [] },
    ];
    for (const input of inputs) expectPointersResolve(input);
  });
});
