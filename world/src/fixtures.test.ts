import { describe, expect, it } from 'vitest';
import { FIXTURE_NAMES, fixtureFile, fixtureWorld } from '../fixtures/index.js';
import { validateWorld } from './validate.js';

/** Fixtures that are invalid on purpose, read with fixtureFile. */
const INVALID = new Set(['cycle']);

describe('world fixtures (world/fixtures/*.world.json)', () => {
  it('are valid worlds, each handed out as a fresh copy', () => {
    expect(FIXTURE_NAMES.length).toBeGreaterThan(10);
    for (const name of FIXTURE_NAMES) {
      if (INVALID.has(name)) {
        expect(validateWorld(fixtureFile(name)).ok, name).toBe(false);
        continue;
      }
      const world = fixtureWorld(name);
      expect(world.services.length, name).toBeGreaterThan(0);
      world.services.pop();
      expect(fixtureWorld(name).services.length, name).toBe(world.services.length + 1);
    }
  });
});
