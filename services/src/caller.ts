// Outbound calls to this service's peers: one undici Pool per peer, kept-alive connections, one TLS context.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tls from 'node:tls';
import { type ClientCallPolicy, HOPS_HEADER, type Peer, spiffeId } from '@dw/world';
import { Pool } from 'undici';
import { LinkPolicy } from './call-policy.js';
import { FaultTable } from './faults.js';
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

export interface CallerOptions {
  /** Timeout, retries and breaker, the same for every link of this process. */
  policy?: ClientCallPolicy;
  /** Faults on the outbound links, changed at runtime by the controller. */
  faults?: FaultTable;
}

export class Caller {
  private readonly pools = new Map<string, Pool>();
  private readonly policies = new Map<string, LinkPolicy>();
  readonly faults: FaultTable;

  constructor(
    worldId: string,
    peers: readonly Peer[],
    identity: IdentityPem,
    private readonly stats: Stats,
    options: CallerOptions = {},
  ) {
    this.faults = options.faults ?? new FaultTable();
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
      this.pools.set(peer.linkId, pool);
      this.policies.set(peer.linkId, new LinkPolicy(options.policy));
    }
  }

  /** Calls the peer under the link's policy (breaker, retries), records the outcome and latency, returns it. */
  async call(peer: Peer, hops: number, body: Buffer): Promise<CallOutcome> {
    const pool = this.pools.get(peer.linkId);
    const policy = this.policies.get(peer.linkId);
    if (!pool || !policy) throw new Error(`no pool for link ${peer.linkId}`);
    const started = performance.now();
    const result = await policy.run((timeoutMs) => this.attempt(peer, pool, hops, body, timeoutMs));
    this.stats.call(peer, result.outcome, performance.now() - started, {
      retries: result.retries,
      breaker: policy.breaker?.current,
    });
    return result.outcome;
  }

  /** One attempt, through the link's faults: partition and abort fail it unsent; latency waits before sending;
   * drop sends it, loses the answer and fails it when the timeout runs out. */
  private async attempt(peer: Peer, pool: Pool, hops: number, body: Buffer, timeoutMs: number): Promise<CallOutcome> {
    const started = performance.now();
    const fault = this.faults.decide(peer.linkId);
    if (fault.kind === 'partition' || fault.kind === 'abort') return 'error';
    if (fault.delayMs > 0) await sleep(Math.min(fault.delayMs, timeoutMs));
    const left = () => timeoutMs - (performance.now() - started);
    if (left() <= 0) return 'error';
    let outcome: CallOutcome;
    try {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        headers: { [HOPS_HEADER]: String(hops), 'content-type': 'application/octet-stream' },
        body,
        headersTimeout: Math.max(1, Math.ceil(left())),
        bodyTimeout: Math.max(1, Math.ceil(left())),
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(left()))),
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) outcome = 'ok';
      else if (res.statusCode === 403) outcome = 'refused';
      else outcome = 'error';
    } catch (err) {
      outcome = isHandshakeRefusal(err) ? 'refused' : 'error';
    }
    if (fault.kind === 'drop') {
      if (left() > 0) await sleep(left());
      return 'error';
    }
    return outcome;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.destroy()));
  }
}
