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
import type { Pool } from 'undici';
import { LinkPolicy } from './call-policy.js';
import { Deadlines } from './deadlines.js';
import { FaultTable } from './faults.js';
import type { IdentityPem } from './identity.js';
import type { CallOutcome, Stats } from './stats.js';
import { isHandshakeRefusal } from './tls-errors.js';
import { newSpanId, nowMs, rootContext, type Tracer } from './tracing.js';
import { waitAtLeast } from './wait.js';

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

/** After a refused connection an address is left alone this long, doubling while it keeps refusing. */
export const DOWN_FOR_MS = 500;
export const DOWN_FOR_AT_MOST_MS = 4000;

/** One address a peer answers at (one of its copies, or an impostor): its pool and how it has been doing. */
interface Endpoint {
  url: string;
  pool: Pool;
  /** Calls sent to it and not yet answered. */
  pending: number;
  /** No new call goes to it before this (performance.now() ms) while another address is up. */
  downUntil: number;
  /** Refused connections in a row. */
  refusals: number;
}

/** The code of a call that ran out of time (its deadline aborted it). */
const TIMED_OUT = 'ERR_DW_CALL_TIMED_OUT';

/** The largest answer a forwarded request takes back (a gateway's, a handler's): larger ones fail the call. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** A request of its own (method, path, headers, body) rather than the mesh's POST /, and what came back. */
export interface Exchange {
  method: string;
  /** The path and query, starting with "/". */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Filled by the call: the answer's status, raw header pairs and body (empty when there was none). */
  reply?: { status: number; headers: string[]; body: Buffer };
  /**
   * Set by the call when its last attempt reached no one: the callee's port refused the connection (every copy
   * of it), or the link is partitioned. Nothing was sent, so nothing was done (a queue keeps the message).
   */
  unsent?: boolean;
  /** A 404 answer is an outcome, not a failure (a store's read of a key that is not there: a miss). */
  notFoundIsOk?: boolean;
}

/** Errors that prove nothing reached the callee: its port is closed (a killed copy) or could not be reached. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    e = e.cause as typeof e;
  }
  return codes;
}

/** undici's Pool, once loaded: only a process that calls peers loads undici (its load is much of a start's CPU). */
let PoolOfUndici: typeof Pool | undefined;

/** Loads the HTTP client a Caller with peers needs; call (and await) it before making one. Idempotent. */
export async function loadHttpClient(): Promise<void> {
  // bundled, undici (CommonJS) comes as the default export of its chunk; from node_modules, with named ones too
  const undici = (await import('undici')) as typeof import('undici') & { default?: typeof import('undici') };
  PoolOfUndici ??= undici.Pool ?? undici.default?.Pool;
}

export class Caller {
  /** Per link: the addresses its peer answers at (url, then alsoAt), each with its pool. */
  private readonly endpoints = new Map<string, Endpoint[]>();
  private readonly turn = new Map<string, number>();
  /** Per link: the addresses to use, changed by setPeers when the peer is scaled. */
  private readonly urls = new Map<string, string[]>();
  /** Per link: its call policy (the breaker's state lives there, and survives a reload). */
  private readonly policies = new Map<string, LinkPolicy>();
  readonly faults: FaultTable;
  private secureContext!: tls.SecureContext;

  /** Pools replaced by a reload, closing once their calls in flight are done (each with its close). */
  private readonly draining = new Map<Pool, Promise<void>>();
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
    for (const peer of peers) {
      this.policies.set(peer.linkId, new LinkPolicy(options.policy));
      this.urls.set(peer.linkId, [peer.url, ...(peer.alsoAt ?? [])]);
    }
    this.usePools(identity);
  }

  /**
   * Takes a new identity (a renewed leaf, another CA bundle) for every new call: fresh pools with a new TLS
   * context replace the old ones, which finish their calls in flight and then close. No call is dropped.
   */
  reload(identity: IdentityPem): void {
    const old = [...this.endpoints.values()].flat();
    this.usePools(identity);
    for (const { pool } of old) this.drain(pool);
  }

  /**
   * The peers answer at other addresses now (a peer was scaled): new addresses get a pool, the ones gone finish
   * their calls in flight and close, the others keep their connections. Links not given are left as they are.
   */
  setPeers(peers: readonly Peer[]): void {
    for (const update of peers) {
      const peer = this.peers.find((p) => p.linkId === update.linkId);
      const current = this.endpoints.get(update.linkId);
      if (!peer || !current) continue;
      const urls = [update.url, ...(update.alsoAt ?? [])];
      this.urls.set(peer.linkId, urls);
      const next = urls.map(
        (url) => current.find((e) => e.url === url) ?? this.endpoint(this.worldId, peer, url, this.secureContext),
      );
      for (const gone of current) if (!next.includes(gone)) this.drain(gone.pool);
      this.endpoints.set(peer.linkId, next);
    }
  }

  /** The addresses each link spreads its calls over now. */
  addresses(linkId: string): string[] {
    return (this.endpoints.get(linkId) ?? []).map((e) => e.url);
  }

  private drain(pool: Pool): void {
    this.draining.set(
      pool,
      pool.close().finally(() => this.draining.delete(pool)),
    );
  }

  /**
   * Resolves once every pool a reload (or a peers update) replaced has finished its calls and closed: from then
   * on no connection of this caller presents the identity it had before. Never rejects.
   */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.draining.values()]);
  }

  private usePools(identity: IdentityPem): void {
    this.secureContext = tls.createSecureContext({
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      minVersion: 'TLSv1.3',
    });
    for (const peer of this.peers) {
      const urls = this.urls.get(peer.linkId) ?? [peer.url];
      this.endpoints.set(
        peer.linkId,
        urls.map((url) => this.endpoint(this.worldId, peer, url, this.secureContext)),
      );
    }
  }

  private endpoint(worldId: string, peer: Peer, url: string, secureContext: tls.SecureContext): Endpoint {
    if (!PoolOfUndici) throw new Error('a Caller with peers needs loadHttpClient() first');
    const pool = new PoolOfUndici(url, {
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
    return { url, pool, pending: 0, downUntil: 0, refusals: 0 };
  }

  /**
   * POSTs to the peer within the trace `ctx` (a new span of it, whose id goes in `traceparent`; a new unsampled
   * trace when none is given), records the outcome and latency in the stats window (and the span when sampled),
   * and returns the outcome. With an `exchange`, the request is that one (its method, path, headers and body)
   * and its answer is kept in `exchange.reply`.
   */
  async call(
    peer: Peer,
    hops: number,
    body: Buffer,
    ctx: TraceContext = rootContext(false),
    exchange?: Exchange,
  ): Promise<CallOutcome> {
    const policy = this.policies.get(peer.linkId);
    if (!this.endpoints.get(peer.linkId) || !policy) throw new Error(`no pool for link ${peer.linkId}`);
    const spanId = newSpanId();
    const start = ctx.sampled ? nowMs() : 0;
    const started = performance.now();
    let answered = false;
    let status = 0;
    let result: { outcome: CallOutcome; retries: number };
    if (policy.single) {
      // One attempt, no breaker: the common case, without the policy's closures and records.
      const attempt = await this.attempt(peer, hops, body, policy.timeoutMs, ctx, spanId, exchange);
      answered = attempt.answered;
      status = attempt.status;
      result = { outcome: attempt.outcome, retries: 0 };
    } else {
      // Under the link's policy: a breaker in front, then attempts (each through the link's faults) with retries.
      result = await policy.run(async (timeoutMs) => {
        const attempt = await this.attempt(peer, hops, body, timeoutMs, ctx, spanId, exchange);
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

  /**
   * The address for the next call: of those not left alone after refusing connections (all of them when every
   * one is), the one with the fewest calls in flight, in turn among equals. A paused or slow copy collects
   * calls in flight and is passed over; a killed one refuses and is left alone.
   */
  private nextEndpoint(peer: Peer, except?: Endpoint): Endpoint | undefined {
    const endpoints = this.endpoints.get(peer.linkId);
    if (!endpoints) throw new Error(`no pool for link ${peer.linkId}`);
    // One address (no copies): nothing to choose, and no lists to build for every call.
    if (endpoints.length === 1) return except ? undefined : endpoints[0];
    const now = performance.now();
    const others = endpoints.filter((e) => e !== except);
    const up = others.filter((e) => e.downUntil <= now);
    const candidates = up.length > 0 ? up : except ? [] : others;
    if (candidates.length === 0) return undefined;
    const turn = this.turn.get(peer.linkId) ?? 0;
    this.turn.set(peer.linkId, turn + 1);
    let best: Endpoint | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const e = candidates[(turn + i) % candidates.length] as Endpoint;
      if (!best || e.pending < best.pending) best = e;
    }
    return best;
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
    exchange: Exchange | undefined,
  ): Promise<{ outcome: CallOutcome; answered: boolean; status: number }> {
    const started = performance.now();
    if (exchange) {
      exchange.unsent = false;
      exchange.reply = undefined;
    }
    const fault = this.faults.decide(peer.linkId);
    if (fault.kind === 'partition') {
      if (exchange) exchange.unsent = true;
      return { outcome: 'error', answered: false, status: 0 };
    }
    if (fault.kind === 'abort') return { outcome: 'error', answered: false, status: 503 };
    if (fault.delayMs > 0) await waitAtLeast(Math.min(fault.delayMs, timeoutMs));
    const left = () => timeoutMs - (performance.now() - started);
    if (left() <= 0) return { outcome: 'error', answered: false, status: 0 };
    let endpoint = this.nextEndpoint(peer) as Endpoint;
    let outcome: CallOutcome;
    let answered = false;
    let status = 0;
    for (;;) {
      try {
        ({ outcome, answered, status } = await this.send(endpoint, hops, body, left(), ctx, spanId, exchange));
        endpoint.refusals = 0;
      } catch (err) {
        const codes = errorCodes(err);
        const notSent = codes.some((c) => NOT_SENT.has(c));
        // A copy that is gone (refused, closed) or stalled (paused: the call timed out), when there are others.
        const others = (this.endpoints.get(peer.linkId)?.length ?? 0) > 1;
        if (notSent || codes.some((c) => CLOSED.has(c)) || (others && codes.includes(TIMED_OUT))) {
          // Leave it alone for a while, longer while it keeps failing so.
          endpoint.refusals++;
          endpoint.downUntil =
            performance.now() + Math.min(DOWN_FOR_AT_MOST_MS, DOWN_FOR_MS * 2 ** (endpoint.refusals - 1));
        }
        // Nothing reached the callee: the same call goes to another copy at once, if one is up.
        const other = notSent && left() > 0 ? this.nextEndpoint(peer, endpoint) : undefined;
        if (other) {
          endpoint = other;
          continue;
        }
        if (exchange && notSent) exchange.unsent = true;
        outcome =
          isHandshakeRefusal(err) || (this.options.closedMeansRefused && closedBeforeAnswer(err)) ? 'refused' : 'error';
      }
      break;
    }
    if (fault.kind === 'drop') {
      if (exchange) exchange.reply = undefined; // the answer is lost on the way back
      if (left() > 0) await sleep(left());
      return { outcome: 'error', answered: false, status: 0 };
    }
    return { outcome, answered, status };
  }

  /**
   * One request to one address; rejects with what undici reports. Through undici's dispatcher interface rather
   * than `request()`: the answer's body (a few bytes, never read) needs no stream and no promise of its own, and
   * the deadline aborts the request directly (see BENCHMARKS.md: the chain's cost per hop).
   */
  private send(
    endpoint: Endpoint,
    hops: number,
    body: Buffer,
    timeLeft: number,
    ctx: TraceContext,
    spanId: string,
    exchange: Exchange | undefined,
  ): Promise<{ outcome: CallOutcome; answered: boolean; status: number }> {
    endpoint.pending++;
    const wait = Math.max(1, Math.ceil(timeLeft));
    // Covers the whole call: waiting for a connection in the pool, connecting, the answer and its body.
    const deadline = this.deadlines.start(wait);
    return new Promise((resolve, reject) => {
      let settled = false;
      let status = 0;
      let abortRequest: ((err?: Error) => void) | undefined;
      const settle = (err: Error | null) => {
        if (settled) return;
        settled = true;
        endpoint.pending--;
        this.deadlines.end(deadline);
        deadline.removeListener('abort', onDeadline);
        if (err) reject(err);
        else {
          const outcome: CallOutcome =
            (status >= 200 && status < 300) || (status === 404 && exchange?.notFoundIsOk === true)
              ? 'ok'
              : status === 403
                ? 'refused'
                : 'error';
          resolve({ outcome, answered: true, status });
        }
      };
      // Said plainly, whatever undici makes of the abort: the caller leaves a stalled copy alone for a while.
      const timedOut = () => Object.assign(new Error('the call timed out'), { code: TIMED_OUT });
      const onDeadline = () => {
        const err = timedOut();
        settle(err);
        // A request still waiting in the pool for a connection is aborted as soon as it gets one (onConnect).
        abortRequest?.(err);
      };
      deadline.once('abort', onDeadline);
      const meshHeaders = {
        [HOPS_HEADER]: String(hops),
        [TRACEPARENT_HEADER]: formatTraceparent({ traceId: ctx.traceId, spanId, sampled: ctx.sampled }),
      };
      // An exchange keeps its answer: header pairs and body chunks, bounded.
      const chunks: Buffer[] = [];
      let size = 0;
      let rawHeaders: string[] = [];
      endpoint.pool.dispatch(
        exchange
          ? {
              path: exchange.path,
              method: exchange.method,
              headers: { ...exchange.headers, ...meshHeaders },
              body: exchange.body ?? null,
              headersTimeout: wait,
              bodyTimeout: wait,
            }
          : { path: '/', method: 'POST', headers: meshHeaders, body, headersTimeout: wait, bodyTimeout: wait },
        {
          onConnect: (abort: (err?: Error) => void) => {
            if (settled) abort(timedOut());
            else abortRequest = abort;
          },
          onHeaders: (statusCode: number, headers: Buffer[] | string[] | null) => {
            status = statusCode;
            if (exchange && headers) rawHeaders = headers.map(String);
            return true;
          },
          onData: (chunk: Buffer) => {
            if (!exchange) return true;
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) {
              const err = Object.assign(new Error(`the answer is larger than ${MAX_REPLY_BYTES} bytes`), {
                code: 'ERR_DW_REPLY_TOO_LARGE',
              });
              settle(err);
              abortRequest?.(err);
              return false;
            }
            chunks.push(chunk);
            return true;
          },
          onComplete: () => {
            if (exchange) exchange.reply = { status, headers: rawHeaders, body: Buffer.concat(chunks, size) };
            settle(null);
          },
          onError: (err: Error) => settle(err),
        },
      );
    });
  }

  async close(): Promise<void> {
    this.deadlines.close();
    await Promise.allSettled([...this.endpoints.values()].flat().map((e) => e.pool.destroy()));
    await Promise.allSettled([...this.draining.keys()].map((p) => p.destroy()));
  }
}
