import { describe, expect, it } from 'vitest';
import { FIXTURE_NAMES, fixtureWorld } from '../fixtures/index.js';

describe('world fixtures (world/fixtures/*.world.json)', () => {
  it('are valid worlds, each handed out as a fresh copy', () => {
    expect(FIXTURE_NAMES.length).toBeGreaterThan(10);
    for (const name of FIXTURE_NAMES) {
      const world = fixtureWorld(name);
      expect(world.services.length, name).toBeGreaterThan(0);
      world.services.pop();
      expect(fixtureWorld(name).services.length, name).toBe(world.services.length + 1);
    }
  });
});
