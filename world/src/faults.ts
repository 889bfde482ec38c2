// Faults injected into a running world: runtime state pushed to the processes, never a redeploy.
// A link fault acts in the CALLER's outbound path (where a sidecar proxy would inject it); a service fault
// acts on the process (signals).
import Type, { type Static } from 'typebox';
import { LinkId, MAX_REPLICAS, ServiceId } from './ids.js';

const strict = { additionalProperties: false } as const;

export const MAX_FAULT_LATENCY_MS = 60_000;

/** Adds `ms` (± up to `jitterMs`, uniform) before each call over the link is sent. */
export const LatencyFault = Type.Object(
  {
    kind: Type.Literal('latency'),
    linkId: LinkId,
    ms: Type.Integer({ minimum: 0, maximum: MAX_FAULT_LATENCY_MS }),
    jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_FAULT_LATENCY_MS })),
  },
  strict,
);
/** This share of calls fails at once with 503, as a sidecar's abort does: the request never leaves the caller. */
export const AbortFault = Type.Object(
  { kind: Type.Literal('abort'), linkId: LinkId, percent: Type.Number({ minimum: 0, maximum: 100 }) },
  strict,
);
/** This share of calls is sent and its answer lost: the caller waits until its timeout and fails the call. */
export const DropFault = Type.Object(
  { kind: Type.Literal('drop'), linkId: LinkId, percent: Type.Number({ minimum: 0, maximum: 100 }) },
  strict,
);
/** No call over the link gets through: each fails at once, like a refused connection. */
export const PartitionFault = Type.Object({ kind: Type.Literal('partition'), linkId: LinkId }, strict);
/** The service's process is stopped (SIGSTOP) until the fault is removed (SIGCONT). */
export const PauseFault = Type.Object(
  {
    kind: Type.Literal('pause'),
    serviceId: ServiceId,
    /** Only this copy of a replicated service (its callers carry on through the others); absent: every copy. */
    replica: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPLICAS })),
  },
  strict,
);

export const FaultSpec = Type.Union([LatencyFault, AbortFault, DropFault, PartitionFault, PauseFault]);
export type FaultSpec = Static<typeof FaultSpec>;
export type FaultKind = FaultSpec['kind'];
export type LinkFaultSpec = Exclude<FaultSpec, { kind: 'pause' }>;

/** A fault in force: its id (to remove it) and when it was injected. */
export const ActiveFault = Type.Object(
  { id: Type.String({ minLength: 1 }), since: Type.Number(), fault: FaultSpec },
  strict,
);
export type ActiveFault = Static<typeof ActiveFault>;

/** GET /api/worlds/:id/faults, and the `faults:changed` socket event. */
export const FaultList = Type.Object({ worldId: Type.String(), faults: Type.Array(ActiveFault) }, strict);
export type FaultList = Static<typeof FaultList>;

/** What one link's caller applies: every fault on the link combined. */
export const LinkFaultState = Type.Object(
  {
    linkId: LinkId,
    latencyMs: Type.Number({ minimum: 0 }),
    jitterMs: Type.Number({ minimum: 0 }),
    abortPercent: Type.Number({ minimum: 0, maximum: 100 }),
    dropPercent: Type.Number({ minimum: 0, maximum: 100 }),
    partition: Type.Boolean(),
  },
  strict,
);
export type LinkFaultState = Static<typeof LinkFaultState>;

/** PUT /_dw/faults, from the controller to one process over mTLS: the complete set for its outbound links. */
export const RuntimeFaults = Type.Object({ links: Type.Array(LinkFaultState) }, strict);
export type RuntimeFaults = Static<typeof RuntimeFaults>;

export function isLinkFault(fault: FaultSpec): fault is LinkFaultSpec {
  return fault.kind !== 'pause';
}

/** Combines the faults on each link: latencies add up, percentages combine as independent chances. */
export function combineLinkFaults(faults: readonly FaultSpec[]): Map<string, LinkFaultState> {
  const byLink = new Map<string, LinkFaultState>();
  for (const fault of faults) {
    if (!isLinkFault(fault)) continue;
    let s = byLink.get(fault.linkId);
    if (!s) {
      s = { linkId: fault.linkId, latencyMs: 0, jitterMs: 0, abortPercent: 0, dropPercent: 0, partition: false };
      byLink.set(fault.linkId, s);
    }
    if (fault.kind === 'latency') {
      s.latencyMs += fault.ms;
      s.jitterMs += fault.jitterMs ?? 0;
    } else if (fault.kind === 'abort') s.abortPercent = 100 - ((100 - s.abortPercent) * (100 - fault.percent)) / 100;
    else if (fault.kind === 'drop') s.dropPercent = 100 - ((100 - s.dropPercent) * (100 - fault.percent)) / 100;
    else s.partition = true;
  }
  return byLink;
}

/** A short description for people: "+200±20 ms", "abort 30%", "partition", "paused". */
export function describeFault(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'latency':
      return fault.jitterMs ? `+${fault.ms}±${fault.jitterMs} ms` : `+${fault.ms} ms`;
    case 'abort':
      return `abort ${fault.percent}%`;
    case 'drop':
      return `drop ${fault.percent}%`;
    case 'partition':
      return 'partition';
    case 'pause':
      return fault.replica !== undefined ? `paused (replica ${fault.replica})` : 'paused';
  }
}

/** PUT /_dw/load, from the controller to a client process: its rate from now on (the ramp, if any, ends). */
export const RuntimeLoad = Type.Object({ rps: Type.Number({ minimum: 0, maximum: 1000 }) }, strict);
export type RuntimeLoad = Static<typeof RuntimeLoad>;
