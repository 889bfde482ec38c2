// The worlds of the end-to-end specs: files of world/fixtures/ (fan, piled, order-queue), shared with the
// unit and API tests and the benchmarks.
import { fixtureWorld } from '@dw/world/fixtures';

/** A client calling orders, which fans out to payments and inventory. */
export const FAN_WORLD = fixtureWorld('fan');

/** The same world with every box on one spot, as a hand-written or generated file may have it. */
export const PILED_WORLD = fixtureWorld('piled');

/** A shop publishing orders to a queue, a worker (restart "no") consuming them and writing to a store. */
export const ORDER_QUEUE_WORLD = fixtureWorld('order-queue');
