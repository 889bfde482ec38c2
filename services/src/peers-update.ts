// Scaling without a restart (locally): when a peer's copies change in number, the controller sends
// `peers:update` over the IPC channel with the addresses each link's peer answers at now, and the caller spreads
// its calls over those (Caller.setPeers). In compose, Docker's DNS name of the service answers for every copy.
import { PeersUpdate } from '@dw/world';
import Value from 'typebox/value';
import type { Caller } from './caller.js';
import type { Log } from './log.js';

/** Listens for peer updates on the IPC channel (when there is one); returns a function that stops listening. */
export function listenForPeerUpdates(caller: Caller, log: Log): () => void {
  if (typeof process.send !== 'function') return () => {};
  const onMessage = (message: unknown) => {
    if (!Value.Check(PeersUpdate, message)) return;
    caller.setPeers(message.peers);
    const counts = message.peers.map((p) => `${p.id} at ${1 + (p.alsoAt?.length ?? 0)}`).join(', ');
    log.info(`peers updated: ${counts || 'none'}`);
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}
