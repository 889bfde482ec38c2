import type { TLSSocket } from 'node:tls';
import { CONTROLLER_ID, serviceIdFromSpiffe, spiffeId } from '@dw/world';

/** Who is calling, from the SPIFFE id in the verified client certificate. */
export type Caller =
  | { kind: 'controller' }
  | { kind: 'linked'; id: string }
  /** `from` is the service id for one of this world, the full URI for another world, null when there is none. */
  | { kind: 'unlinked'; from: string | null };

/** The URI SANs of a certificate as Node prints them ("DNS:a, URI:spiffe://w/a"). */
export function uriSans(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(', ')
    .filter((n) => n.startsWith('URI:'))
    .map((n) => n.slice(4));
}

/** Classifies callers once per TLS connection (a kept-alive connection carries many requests). */
export function callerClassifier(worldId: string, allowedCallers: readonly string[]) {
  const allowed = new Set(allowedCallers);
  const controller = spiffeId(worldId, CONTROLLER_ID);
  const cache = new WeakMap<TLSSocket, Caller>();
  const classify = (socket: TLSSocket): Caller => {
    const uris = uriSans(socket.getPeerCertificate().subjectaltname).filter((u) => u.startsWith('spiffe://'));
    if (uris.includes(controller)) return { kind: 'controller' };
    for (const uri of uris) {
      if (allowed.has(uri)) return { kind: 'linked', id: serviceIdFromSpiffe(worldId, uri) ?? uri };
    }
    const first = uris[0];
    return { kind: 'unlinked', from: first === undefined ? null : (serviceIdFromSpiffe(worldId, first) ?? first) };
  };
  return (socket: TLSSocket): Caller => {
    let caller = cache.get(socket);
    if (!caller) {
      caller = classify(socket);
      cache.set(socket, caller);
    }
    return caller;
  };
}
