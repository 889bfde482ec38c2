// Renewal and CA rotation without a restart (locally; in compose a service renews itself, identity-renewal.ts): the controller rewrites this process's identity files and sends
// `identity:reload` over the IPC channel; the process re-reads them and uses them for every new connection, in
// (server.setSecureContext) and out (Caller.reload: new pools while the old ones drain). Connections already
// open keep going while their peer's certificate stays valid under the new trust: when the trust bundle changes
// (the last step of a CA rotation drops the old CA), every open inbound connection is verified again and those
// that no longer verify are closed after their answers in flight (InboundConnections, peer-identity.ts). The
// answer comes once the new identity is in use, and, when the new leaf is of another CA (a rotation's second
// step), once the outbound pools it replaced have finished their calls (bounded by the per-attempt timeout:
// reloadDrainMs, which the controller waits for at that step): so when the rotation's last step drops the old
// CA, no call of the world is still in flight on a connection that presents a leaf of it.
import { X509Certificate } from 'node:crypto';
import { IdentityReload, type IdentityReloaded, reloadDrainMs, type SpawnConfig } from '@dw/world';
import Value from 'typebox/value';
import type { Caller } from './caller.js';
import { checkPair, type IdentityPem, loadIdentity } from './identity.js';
import type { Log } from './log.js';
import { parseBundle } from './peer-identity.js';
import type { ServiceServer } from './server.js';

/**
 * Puts an identity in use for every new connection, and closes the open inbound connections it no longer
 * trusts; returns how many were closed. Throws, changing nothing, when its certificate does not match its key.
 */
export function applyIdentity(identity: IdentityPem, server: ServiceServer | undefined, caller: Caller): number {
  if (identity.cert !== undefined && identity.key !== undefined) checkPair(identity.cert, identity.key);
  let closed = 0;
  if (server && identity.cert !== undefined && identity.key !== undefined) {
    server.setSecureContext({ cert: identity.cert, key: identity.key, ca: identity.ca, minVersion: 'TLSv1.3' });
    closed = server.inbound.retrust(identity.ca);
  }
  caller.reload(identity);
  return closed;
}

/**
 * Re-reads this process's identity files (again while the key and certificate on disk do not match) and puts
 * them in use: the one path both an IPC reload (local) and a self-renewal (compose, identity-renewal.ts) take.
 * Rejects when the files cannot be read. Resolves with how many open connections the new trust closed.
 */
export async function reloadIdentity(
  config: SpawnConfig,
  server: ServiceServer | undefined,
  caller: Caller,
): Promise<{ identity: IdentityPem; closed: number }> {
  const identity = await loadIdentity(config.identity);
  return { identity, closed: applyIdentity(identity, server, caller) };
}

/**
 * True when the new leaf is signed by another CA than the one before (a CA rotation re-issued it): the old one
 * may soon be refused, so the connections that present it must be gone first. Not for a renewal from the same
 * CA, nor for a change of the trust bundle alone.
 */
export function issuerChanged(before: IdentityPem, after: IdentityPem): boolean {
  if (before.cert === undefined || after.cert === undefined || before.cert === after.cert) return false;
  const leaf = new X509Certificate(after.cert);
  const issuer = parseBundle(after.ca).find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  return issuer === undefined || !new X509Certificate(before.cert).verify(issuer.publicKey);
}

/**
 * Listens for reload requests on the IPC channel (when there is one); returns a function that stops listening.
 * `identity` is the one the process started with.
 */
export function listenForReloads(
  config: SpawnConfig,
  identity: IdentityPem,
  server: ServiceServer | undefined,
  caller: Caller,
  log: Log,
): () => void {
  if (typeof process.send !== 'function') return () => {};
  let inUse = identity;
  const onMessage = async (message: unknown) => {
    if (!Value.Check(IdentityReload, message)) return;
    const reply: IdentityReloaded = { type: 'identity:reloaded', seq: message.seq, ok: true };
    try {
      const before = inUse;
      const { identity: after, closed } = await reloadIdentity(config, server, caller);
      inUse = after;
      // A leaf of a new CA (a rotation's second step): answer once the pools presenting the old leaf are gone,
      // since the next step drops the old CA. A renewal answers at once (its old leaf stays trusted).
      let drained = true;
      if (issuerChanged(before, after)) {
        let timer: NodeJS.Timeout | undefined;
        drained = await Promise.race([
          caller.drained().then(() => true),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), reloadDrainMs(config));
          }),
        ]);
        clearTimeout(timer);
      }
      log.info(
        `identity reloaded (#${message.seq})${closed > 0 ? `; closed ${closed} connection(s) no longer trusted` : ''}` +
          `${drained ? '' : `; calls on the old leaf still in flight after ${reloadDrainMs(config)} ms`}`,
      );
    } catch (err) {
      reply.ok = false;
      reply.error = (err as Error).message;
      log.error(`identity reload #${message.seq} failed: ${reply.error}`);
    }
    process.send?.(reply);
  };
  // One reload at a time, in the order they were asked for (a rotation's steps follow each other).
  let queue = Promise.resolve();
  const listener = (message: unknown) => {
    queue = queue.then(() => onMessage(message));
  };
  process.on('message', listener);
  return () => process.off('message', listener);
}
