// The server tests' worlds: files of world/fixtures/ (shared with e2e, bench and the other packages' tests).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type FixtureName, fixtureWorld } from '@dw/world/fixtures';

/** A client calling a service that fans out to two more; no random errors, so every error means something. */
export const MESH_WORLD = fixtureWorld('mesh');

/** The smallest world that makes traffic: one client calling one service. */
export const PAIR_WORLD = fixtureWorld('pair');

/**
 * Two independent parts. `shopper` -> `gateway` -> `orders` -> (`payments`, `inventory`): a request three hops
 * deep with a fan-out at the end, for traces. `loader` (sending nothing itself) -> `edge` -> `store`: a test
 * drives `edge` with loader's identity and counts what completed, against the frames.
 */
export const OBSERVED_WORLD = fixtureWorld('observed');

/** The mesh with the link into payments set to deny: orders still calls payments, payments refuses it. */
export const DENY_WORLD = fixtureWorld('deny');

/** A client calling orders -> payments, and an intruder in every mode against them. */
export const INTRUDER_WORLD = fixtureWorld('intruders');

/** The path of a fixture's world file, for a test that hands it to a command line. */
export function fixturePath(name: FixtureName): string {
  return join(dirname(createRequire(import.meta.url).resolve('@dw/world/fixtures')), `${name}.world.json`);
}
