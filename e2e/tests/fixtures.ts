// The worlds of the end-to-end specs: files of world/fixtures/ (fan.world.json, piled.world.json), shared with the
// unit and API tests and the benchmarks.
import { fixtureWorld } from '@dw/world/fixtures';

/** A client calling orders, which fans out to payments and inventory. */
export const FAN_WORLD = fixtureWorld('fan');

/** The same world with every box on one spot, as a hand-written or generated file may have it. */
export const PILED_WORLD = fixtureWorld('piled');
