// Outbound calls to this service's peers: one undici Pool per peer, kept-alive connections, one TLS context.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tls from 'node:tls';
import {
  type ClientCallPolicy,
  formatTraceparent,
  HOPS_HEADER,
  type Peer,
  serviceIdFromSpiffe,
  spiffeId,
  TRACEPARENT_HEADER,
  type TraceContext,
} from '@dw/world';
import { Pool } from 'undici';
import { LinkPolicy } from './call-policy.js';
import { Deadlines } from './deadlines.js';
import { FaultTable } from './faults.js';
import type { IdentityPem } from './identity.js';
import type { CallOutcome, Stats } from './stats.js';
import { isHandshakeRefusal } from './tls-errors.js';
import { newSpanId, nowMs, rootContext, type Tracer } from './tracing.js';

/** Per-call limits: a callee that does not answer within these counts as an error. */
export const CALL_TIMEOUT_MS = 10_000;
/**
 * Connections kept per peer address. Bounded low on purpose: when a callee slows down, an unbounded pool opens
 * ever more connections, each a full TLS handshake (~75 kept-alive requests' worth of CPU), and on a busy machine
 * that storm starved everything (frame benchmark, same machine and hour: 5,000 asked messages a second completed
 * 2,368/s with 256 connections, 5,012/s with 64). A link whose rate x latency exceeds this queues in the caller
 * (seen as rising latency), bounded by the client's in-flight cap.
 */
export const MAX_CONNECTIONS_PER_PEER = 64;
const KEEP_ALIVE_MS = 30_000;

/** Who a certificate says it is: its service id in this world, its SPIFFE id otherwise, null without one. */
function presentedIdentity(worldId: string, cert: tls.PeerCertificate): string | null {
  const uri = (cert.subjectaltname ?? '')
    .split(', ')
    .find((n) => n.startsWith('URI:spiffe://'))
    ?.slice(4);
  if (uri === undefined) return null;
  return serviceIdFromSpiffe(worldId, uri) ?? uri;
}

/**
 * Checks the callee's certificate: the DNS SAN (the TLS server name) and the SPIFFE id must both be the peer's.
 * `onMismatch` hears who answered instead (an impostor), once per refused handshake.
 */
export function peerIdentityCheck(worldId: string, peerId: string, onMismatch?: (presented: string | null) => void) {
  const expected = `URI:${spiffeId(worldId, peerId)}`;
  return (hostname: string, cert: tls.PeerCertificate): Error | undefined => {
    const err = tls.checkServerIdentity(hostname, cert);
    const names = (cert.subjectaltname ?? '').split(', ');
    const refusal =
      err ??
      (names.includes(expected)
        ? undefined
        : Object.assign(new Error(`the certificate of "${peerId}" does not carry ${expected}`), {
            code: 'ERR_DW_PEER_IDENTITY',
          }));
    if (refusal) onMismatch?.(presentedIdentity(worldId, cert));
    return refusal;
  };
}

/** Errors of a connection the callee closed before answering (how Node refuses a bad client certificate). */
const CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);
function closedBeforeAnswer(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && CLOSED.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export interface CallerOptions {
  /**
   * An intruder knows its credential is bad: a connection closed before any answer is the callee refusing it
   * (with TLS 1.3, Node closes without an alert when it rejects a client certificate).
   */
  closedMeansRefused?: boolean;
  /** Records a client span of every sampled call; without one nothing is recorded (trace context still goes). */
  tracer?: Tracer;
  /** Timeout, retries and breaker, the same for every link of this process. */
  policy?: ClientCallPolicy | undefined;
  /** Faults on the outbound links, changed at runtime by the controller. */
  faults?: FaultTable;
}

export class Caller {
  /** Per link: its pools, one per address the peer answers at (url, then alsoAt), used in turn. */
  private readonly pools = new Map<string, Pool[]>();
  private readonly turn = new Map<string, number>();
  /** Per link: its call policy (the breaker's state lives there, and survives a reload). */
  private readonly policies = new Map<string, LinkPolicy>();
  readonly faults: FaultTable;

  /** Pools replaced by a reload, closing once their calls in flight are done. */
  private readonly draining = new Set<Pool>();
  /** The per-call timeouts, swept together (a timer per call was a third of a hop's throughput). */
  private readonly deadlines = new Deadlines();

  constructor(
    private readonly worldId: string,
    private readonly peers: readonly Peer[],
    identity: IdentityPem,
    private readonly stats: Stats,
    private readonly options: CallerOptions = {},
  ) {
    this.faults = options.faults ?? new FaultTable();
    for (const peer of peers) this.policies.set(peer.linkId, new LinkPolicy(options.policy));
    this.usePools(identity);
  }

  /**
   * Takes a new identity (a renewed leaf, another CA bundle) for every new call: fresh pools with a new TLS
   * context replace the old ones, which finish their calls in flight and then close. No call is dropped.
   */
  reload(identity: IdentityPem): void {
    const old = [...this.pools.values()].flat();
    this.usePools(identity);
    for (const pool of old) {
      this.draining.add(pool);
      pool.close().finally(() => this.draining.delete(pool));
    }
  }

  private usePools(identity: IdentityPem): void {
    const secureContext = tls.createSecureContext({
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      minVersion: 'TLSv1.3',
    });
    for (const peer of this.peers) {
      const urls = [peer.url, ...(peer.alsoAt ?? [])];
      this.pools.set(
        peer.linkId,
        urls.map((url) => this.pool(this.worldId, peer, url, secureContext)),
      );
    }
  }

  private pool(worldId: string, peer: Peer, url: string, secureContext: tls.SecureContext): Pool {
    const pool = new Pool(url, {
      connections: MAX_CONNECTIONS_PER_PEER,
      keepAliveTimeout: KEEP_ALIVE_MS,
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
      connect: {
        secureContext,
        servername: peer.id,
        checkServerIdentity: peerIdentityCheck(worldId, peer.id, (presented) =>
          this.stats.refused(presented, 'name-mismatch'),
        ),
        timeout: CALL_TIMEOUT_MS,
      },
    });
    // A pool reports connection failures through the request that hit them; nothing else to do here.
    pool.on('connectionError', () => {});
    // 'connect' fires once per new connection, after its TLS handshake: every other request reused one.
    pool.on('connect', () => this.stats.handshake(peer));
    return pool;
  }

  /**
   * POSTs to the peer within the trace `ctx` (a new span of it, whose id goes in `traceparent`; a new unsampled
   * trace when none is given), records the outcome and latency in the stats window (and the span when sampled),
   * and returns the outcome.
   */
  async call(peer: Peer, hops: number, body: Buffer, ctx: TraceContext = rootContext(false)): Promise<CallOutcome> {
    const policy = this.policies.get(peer.linkId);
    if (!this.pools.get(peer.linkId) || !policy) throw new Error(`no pool for link ${peer.linkId}`);
    const spanId = newSpanId();
    const start = ctx.sampled ? nowMs() : 0;
    const started = performance.now();
    let answered = false;
    let status = 0;
    let result: { outcome: CallOutcome; retries: number };
    if (policy.single) {
      // One attempt, no breaker: the common case, without the policy's closures and records.
      const attempt = await this.attempt(peer, hops, body, policy.timeoutMs, ctx, spanId);
      answered = attempt.answered;
      status = attempt.status;
      result = { outcome: attempt.outcome, retries: 0 };
    } else {
      // Under the link's policy: a breaker in front, then attempts (each through the link's faults) with retries.
      result = await policy.run(async (timeoutMs) => {
        const attempt = await this.attempt(peer, hops, body, timeoutMs, ctx, spanId);
        answered = attempt.answered;
        status = attempt.status;
        return attempt.outcome;
      });
    }
    const outcome = result.outcome;
    const durationMs = performance.now() - started;
    this.stats.call(peer, outcome, durationMs, answered, {
      retries: result.retries,
      breaker: policy.breaker?.current,
    });
    const tracer = this.options.tracer;
    if (ctx.sampled && tracer) {
      tracer.record({
        traceId: ctx.traceId,
        spanId,
        parentId: ctx.spanId === '' ? null : ctx.spanId,
        kind: 'client',
        service: tracer.serviceId,
        linkId: peer.linkId,
        to: peer.id,
        start,
        durationMs: Math.round(durationMs * 1000) / 1000,
        status,
        outcome,
      });
    }
    return outcome;
  }

  /** The next of the link's pools, in turn. */
  private nextPool(peer: Peer): Pool {
    const pools = this.pools.get(peer.linkId);
    if (!pools) throw new Error(`no pool for link ${peer.linkId}`);
    const turn = this.turn.get(peer.linkId) ?? 0;
    this.turn.set(peer.linkId, (turn + 1) % pools.length);
    return pools[turn] as Pool;
  }

  /** One attempt, through the link's faults: partition and abort fail it unsent; latency waits before sending;
   * drop sends it, loses the answer and fails it when the timeout runs out. */
  private async attempt(
    peer: Peer,
    hops: number,
    body: Buffer,
    timeoutMs: number,
    ctx: TraceContext,
    spanId: string,
  ): Promise<{ outcome: CallOutcome; answered: boolean; status: number }> {
    const started = performance.now();
    const fault = this.faults.decide(peer.linkId);
    if (fault.kind === 'partition') return { outcome: 'error', answered: false, status: 0 };
    if (fault.kind === 'abort') return { outcome: 'error', answered: false, status: 503 };
    if (fault.delayMs > 0) await sleep(Math.min(fault.delayMs, timeoutMs));
    const left = () => timeoutMs - (performance.now() - started);
    if (left() <= 0) return { outcome: 'error', answered: false, status: 0 };
    const pool = this.nextPool(peer);
    let outcome: CallOutcome;
    let answered = false;
    let status = 0;
    const wait = Math.max(1, Math.ceil(left()));
    // Covers the whole call: waiting for a connection in the pool, connecting, the answer and its body.
    const deadline = this.deadlines.start(wait);
    try {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        headers: {
          [HOPS_HEADER]: String(hops),
          [TRACEPARENT_HEADER]: formatTraceparent({ traceId: ctx.traceId, spanId, sampled: ctx.sampled }),
        },
        body,
        headersTimeout: wait,
        bodyTimeout: wait,
        signal: deadline,
      });
      status = res.statusCode;
      await res.body.dump();
      answered = true;
      if (res.statusCode >= 200 && res.statusCode < 300) outcome = 'ok';
      else if (res.statusCode === 403) outcome = 'refused';
      else outcome = 'error';
    } catch (err) {
      outcome =
        isHandshakeRefusal(err) || (this.options.closedMeansRefused && closedBeforeAnswer(err)) ? 'refused' : 'error';
    } finally {
      this.deadlines.end(deadline);
    }
    if (fault.kind === 'drop') {
      if (left() > 0) await sleep(left());
      return { outcome: 'error', answered: false, status: 0 };
    }
    return { outcome, answered, status };
  }

  async close(): Promise<void> {
    this.deadlines.close();
    await Promise.allSettled([...this.pools.values()].flat().map((p) => p.destroy()));
    await Promise.allSettled([...this.draining].map((p) => p.destroy()));
  }
}
