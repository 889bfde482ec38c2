// What an accepted request does: a service waits its latency, calls every peer in parallel, then answers.
import { latencyBounds, type Peer, type SpawnConfig, type TraceContext } from '@dw/world';
import type { Caller } from './caller.js';
import type { CallOutcome } from './stats.js';
import { waitAtLeast } from './wait.js';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** Sent instead of `body` as application/octet-stream (a store's value), or as `headers` say. */
  bytes?: Buffer;
  /** Headers of its own, names in lower case (a handler's answer); its content-type is the bytes' type. */
  headers?: Record<string, string>;
}

/** What a behaviour may read of an accepted request besides its hops and trace. */
export interface InboundRequest {
  method: string;
  /** The path and query as sent ("/" for the mesh's own calls). */
  url: string;
  /** Who called: a linked caller's service id. */
  from: string;
  /** The body, read to its end, when the kind asked for bodies (`readsBody`); otherwise null. */
  body: Buffer | null;
  /** The raw header pairs, when the kind reads bodies (`readsBody`); otherwise absent. */
  headers?: readonly string[];
}

/**
 * Answers one accepted request that may still take `hops` hops (already checked to be > 0); its calls to peers
 * carry `ctx` (the request's trace, this service's span as their parent).
 */
export type Behaviour = (hops: number, ctx: TraceContext, request: InboundRequest) => Promise<Answer>;

const EMPTY = Buffer.alloc(0);

/** The body of every successful answer: the server sends it pre-serialised (`{ ok: true, serviceId }`). */
export const OK_BODY: Record<string, unknown> = Object.freeze({ ok: true });
const OK: Answer = { status: 200, body: OK_BODY };

/** One call to one peer within a request (the mesh's POST, or a store's GET/PUT/DELETE). */
export type PeerCall = (peer: Peer, hops: number, ctx: TraceContext) => Promise<CallOutcome>;

export function serviceBehaviour(
  config: SpawnConfig & { kind: 'service' },
  caller: Caller,
  callPeer: PeerCall = (peer, hops, ctx) => caller.call(peer, hops, EMPTY, ctx),
): Behaviour {
  const { min, max } = latencyBounds(config.behaviour.latencyMs);
  const errorRate = config.behaviour.errorRate ?? 0;
  const serviceId = config.serviceId;
  const mode = config.behaviour.calls?.mode ?? 'parallel';
  return async (hops, ctx) => {
    const latency = min + Math.random() * (max - min);
    if (latency > 0) await waitAtLeast(latency);
    const called = mode === 'weighted' ? pickWeighted(config.peers) : config.peers;
    const outcomes: CallOutcome[] = [];
    if (called.length === 1) {
      outcomes.push(await callPeer(called[0] as Peer, hops - 1, ctx));
    } else if (mode === 'sequence') {
      for (const peer of called) {
        const outcome = await callPeer(peer, hops - 1, ctx);
        outcomes.push(outcome);
        if (outcome !== 'ok') break; // the request has failed: the rest are not called
      }
    } else {
      outcomes.push(...(await Promise.all(called.map((peer) => callPeer(peer, hops - 1, ctx)))));
    }
    if (errorRate > 0 && Math.random() < errorRate) {
      return { status: 500, body: { error: 'injected', message: `"${serviceId}" failed by its error rate` } };
    }
    if (outcomes.every((o) => o === 'ok')) return OK;
    const failed = called.filter((_, i) => outcomes[i] !== undefined && outcomes[i] !== 'ok').map((p) => p.id);
    return { status: 502, body: { error: 'upstream', message: `calls to ${failed.join(', ')} failed`, failed } };
  };
}

/** A client is not meant to be called (no link may end at one); if a caller is allowed, it just answers. */
export function clientBehaviour(serviceId: string): Behaviour {
  return async () => ({ status: 200, body: { ok: true, serviceId } });
}

/** One peer, chosen with probability proportional to its weight (default 1); none when every weight is 0. */
export function pickWeighted(peers: readonly Peer[], random: () => number = Math.random): Peer[] {
  const total = peers.reduce((sum, p) => sum + (p.weight ?? 1), 0);
  if (total <= 0) return [];
  let roll = random() * total;
  for (const peer of peers) {
    roll -= peer.weight ?? 1;
    if (roll < 0) return [peer];
  }
  return [peers[peers.length - 1] as Peer];
}
