// Outbound calls to this service's peers: one undici Pool per peer, kept-alive connections, one TLS context.
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { HOPS_HEADER, type Peer, spiffeId } from '@dw/world';
import { Pool } from 'undici';
import type { IdentityPem } from './identity.js';
import type { CallOutcome, Stats } from './stats.js';
import { isHandshakeRefusal } from './tls-errors.js';

/** Per-call limits: a callee that does not answer within these counts as an error. */
export const CALL_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS_PER_PEER = 256;
const KEEP_ALIVE_MS = 30_000;

/** Checks the callee's certificate: the DNS SAN (the TLS server name) and the SPIFFE id must both be the peer's. */
export function peerIdentityCheck(worldId: string, peerId: string) {
  const expected = `URI:${spiffeId(worldId, peerId)}`;
  return (hostname: string, cert: tls.PeerCertificate): Error | undefined => {
    const err = tls.checkServerIdentity(hostname, cert);
    if (err) return err;
    const names = (cert.subjectaltname ?? '').split(', ');
    if (!names.includes(expected)) {
      return Object.assign(new Error(`the certificate of "${peerId}" does not carry ${expected}`), {
        code: 'ERR_DW_PEER_IDENTITY',
      });
    }
    return undefined;
  };
}

export class Caller {
  private readonly pools = new Map<string, Pool>();

  constructor(
    worldId: string,
    peers: readonly Peer[],
    identity: IdentityPem,
    private readonly stats: Stats,
  ) {
    const secureContext = tls.createSecureContext({
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      minVersion: 'TLSv1.3',
    });
    for (const peer of peers) {
      const pool = new Pool(peer.url, {
        connections: MAX_CONNECTIONS_PER_PEER,
        keepAliveTimeout: KEEP_ALIVE_MS,
        headersTimeout: CALL_TIMEOUT_MS,
        bodyTimeout: CALL_TIMEOUT_MS,
        connect: {
          secureContext,
          servername: peer.id,
          checkServerIdentity: peerIdentityCheck(worldId, peer.id),
          timeout: CALL_TIMEOUT_MS,
        },
      });
      // A pool reports connection failures through the request that hit them; nothing else to do here.
      pool.on('connectionError', () => {});
      // 'connect' fires once per new connection, after its TLS handshake: every other request reused one.
      pool.on('connect', () => this.stats.handshake(peer));
      this.pools.set(peer.linkId, pool);
    }
  }

  /** POSTs to the peer, records the outcome and latency in the stats window, and returns the outcome. */
  async call(peer: Peer, hops: number, body: Buffer): Promise<CallOutcome> {
    const pool = this.pools.get(peer.linkId);
    if (!pool) throw new Error(`no pool for link ${peer.linkId}`);
    const started = performance.now();
    let outcome: CallOutcome;
    try {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        headers: { [HOPS_HEADER]: String(hops), 'content-type': 'application/octet-stream' },
        body,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) outcome = 'ok';
      else if (res.statusCode === 403) outcome = 'refused';
      else outcome = 'error';
    } catch (err) {
      outcome = isHandshakeRefusal(err) ? 'refused' : 'error';
    }
    this.stats.call(peer, outcome, performance.now() - started);
    return outcome;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.destroy()));
  }
}
