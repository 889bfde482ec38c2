// How a service uses the stores it links to (its config's `store`, DEFAULT_STORE_WORKLOAD where it says
// nothing): each call to a store is a GET, a PUT or a DELETE of a key drawn evenly from its key space. A read of
// a key that is not there is a miss, not a failure. Calls to other peers stay the mesh's POST.
import { randomBytes } from 'node:crypto';
import { DEFAULT_STORE_WORKLOAD, type SpawnConfigOf, STORE_KEY_PREFIX } from '@dw/world';
import type { PeerCall } from './behaviour.js';
import type { Caller, Exchange } from './caller.js';

const EMPTY = Buffer.alloc(0);

/** The calls of a service that links to stores; undefined when it links to none (its calls stay as they are). */
export function storeCalls(config: SpawnConfigOf<'service'>, caller: Caller): PeerCall | undefined {
  const stores = new Set(config.peers.filter((p) => p.kind === 'store').map((p) => p.linkId));
  if (stores.size === 0) return undefined;
  const { readShare, writeShare, keys, valueBytes } = { ...DEFAULT_STORE_WORKLOAD, ...config.behaviour.store };
  // One value for every write of this process: what is written matters less than its size.
  const value = randomBytes(valueBytes);
  const headers = { 'content-type': 'application/octet-stream' };
  return (peer, hops, ctx) => {
    if (!stores.has(peer.linkId)) return caller.call(peer, hops, EMPTY, ctx);
    const path = `${STORE_KEY_PREFIX}key-${Math.floor(Math.random() * keys)}`;
    const roll = Math.random();
    const exchange: Exchange =
      roll < readShare
        ? { method: 'GET', path, notFoundIsOk: true }
        : roll < readShare + writeShare
          ? { method: 'PUT', path, headers, body: value }
          : { method: 'DELETE', path };
    return caller.call(peer, hops, EMPTY, ctx, exchange);
  };
}
