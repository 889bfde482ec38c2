// Renewal and CA rotation without a restart: the controller rewrites this process's identity files and sends
// `identity:reload` over the IPC channel; the process re-reads them and uses them for every new connection, in
// (server.setSecureContext) and out (Caller.reload: new pools while the old ones drain). Connections already
// open keep going, so no request is dropped. The answer says when the new identity is in use.
import type { Server } from 'node:https';
import { IdentityReload, type IdentityReloaded, type SpawnConfig } from '@dw/world';
import Value from 'typebox/value';
import type { Caller } from './caller.js';
import { type IdentityPem, readIdentity } from './identity.js';
import type { Log } from './log.js';

/** Applies the identity on disk to the server and the caller; throws when the files cannot be read. */
export function applyIdentity(identity: IdentityPem, server: Server | undefined, caller: Caller): void {
  if (server && identity.cert !== undefined && identity.key !== undefined) {
    server.setSecureContext({ cert: identity.cert, key: identity.key, ca: identity.ca, minVersion: 'TLSv1.3' });
  }
  caller.reload(identity);
}

/** Listens for reload requests on the IPC channel (when there is one); returns a function that stops listening. */
export function listenForReloads(
  config: SpawnConfig,
  server: Server | undefined,
  caller: Caller,
  log: Log,
): () => void {
  if (typeof process.send !== 'function') return () => {};
  const onMessage = (message: unknown) => {
    if (!Value.Check(IdentityReload, message)) return;
    const reply: IdentityReloaded = { type: 'identity:reloaded', seq: message.seq, ok: true };
    try {
      applyIdentity(readIdentity(config.identity), server, caller);
      log.info(`identity reloaded (#${message.seq})`);
    } catch (err) {
      reply.ok = false;
      reply.error = (err as Error).message;
      log.error(`identity reload #${message.seq} failed: ${reply.error}`);
    }
    process.send?.(reply);
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}
