// What an accepted request does: a service waits its latency, calls every peer in parallel, then answers.
import { setTimeout as sleep } from 'node:timers/promises';
import { latencyBounds, type SpawnConfig, type TraceContext } from '@dw/world';
import type { Caller } from './caller.js';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Answers one accepted request that may still take `hops` hops (already checked to be > 0); its calls to peers
 * carry `ctx` (the request's trace, this service's span as their parent).
 */
export type Behaviour = (hops: number, ctx: TraceContext) => Promise<Answer>;

const EMPTY = Buffer.alloc(0);

export function serviceBehaviour(config: SpawnConfig & { kind: 'service' }, caller: Caller): Behaviour {
  const { min, max } = latencyBounds(config.behaviour.latencyMs);
  const errorRate = config.behaviour.errorRate ?? 0;
  const serviceId = config.serviceId;
  return async (hops, ctx) => {
    const latency = min + Math.random() * (max - min);
    if (latency > 0) await sleep(latency);
    const outcomes = await Promise.all(config.peers.map((peer) => caller.call(peer, hops - 1, EMPTY, ctx)));
    if (errorRate > 0 && Math.random() < errorRate) {
      return { status: 500, body: { error: 'injected', message: `"${serviceId}" failed by its error rate` } };
    }
    const failed = config.peers.filter((_, i) => outcomes[i] !== 'ok').map((p) => p.id);
    if (failed.length > 0) {
      return { status: 502, body: { error: 'upstream', message: `calls to ${failed.join(', ')} failed`, failed } };
    }
    return { status: 200, body: { ok: true, serviceId } };
  };
}

/** A client is not meant to be called (no link may end at one); if a caller is allowed, it just answers. */
export function clientBehaviour(serviceId: string): Behaviour {
  return async () => ({ status: 200, body: { ok: true, serviceId } });
}
