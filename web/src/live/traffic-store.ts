// Live traffic, kept apart from the editor store and from React Flow: frames arrive five times a second and only
// the few components that show a number (link labels, node badges) and the particle overlay subscribe to them.
import {
  type ActiveFault,
  type BreakerState,
  type DeployStatus,
  type FaultList,
  FRAME_INTERVAL_MS,
  type RefusalReason,
  type ScenarioProgress,
  type ServiceState,
  type ServiceStatusEvent,
  type TrafficFrame,
} from '@dw/world';
import { createStore, type StoreApi } from 'zustand/vanilla';

/** Averages cover about this long, so a label's rate is "requests per second over the last second". */
export const RATE_WINDOW_MS = 1000;
const FRAMES_KEPT = Math.max(1, Math.round(RATE_WINDOW_MS / FRAME_INTERVAL_MS));

export interface LinkLive {
  from: string;
  to: string;
  /** Requests per second over the last ~second. */
  rate: number;
  /** Calls per second including refused ones, and the share of each outcome, over the same window. */
  attemptRate: number;
  errorShare: number;
  refusedShare: number;
  /** Mean latency over the same window, ms. */
  latencyMs: number;
  /** Since deploy. */
  total: number;
  errors: number;
  refused: number;
  /** Retry attempts since deploy, once the caller has retried. */
  retries?: number;
  /** The caller's circuit breaker on this link, when it has one. */
  breaker?: BreakerState;
  /**
   * True while calls over the link get HTTP answers (any status): each crossed a connection on which both ends
   * proved who they are (mutual TLS, checked names and SPIFFE ids). False when no call was answered in the last
   * ~second (every handshake refused, or no traffic).
   */
  mutualTls: boolean;
  /** New mutual-TLS connections the caller opened since deploy; the other requests reused one. */
  handshakes: number;
}

export interface ServiceLive {
  state: ServiceState;
  /** Requests accepted per second over the last ~second. */
  acceptedRate: number;
  totalAccepted: number;
  /** Why it is in this state, from the controller (exit code, last stderr line). */
  detail?: string;
}

export interface RefusalLive {
  from: string | null;
  reason: RefusalReason;
  /** Since this page started watching the deployment. */
  count: number;
}

export interface ScenarioRun {
  name: string;
  lines: string[];
  done: boolean;
  passed?: boolean;
  results?: ScenarioProgress['results'];
}

export interface TrafficActions {
  /** Forget everything: another world is open. */
  reset(worldId: string | null): void;
  ingestFrame(frame: TrafficFrame): void;
  ingestStatus(status: ServiceStatusEvent): void;
  ingestDeployStatus(status: DeployStatus): void;
  /** The faults in force on the watched world. */
  ingestFaults(list: FaultList): void;
  /** A line of a scenario run on the watched world (the first line of a new run starts a new log). */
  ingestScenario(progress: ScenarioProgress): void;
  /** A deploy was accepted: these services are on their way. */
  deployStarted(serviceIds: string[]): void;
  /** The deployment was stopped: keep the states, drop the numbers. */
  stopped(): void;
}

export interface TrafficState {
  worldId: string | null;
  links: Record<string, LinkLive>;
  services: Record<string, ServiceLive>;
  /** Refusals no link explains, keyed by the callee's id. */
  refusals: Record<string, RefusalLive[]>;
  /** Faults in force on the deployment (latency, abort, drop, partition on links; pause on services). */
  faults: ActiveFault[];
  /** The last scenario run seen on this world: its lines so far and, once done, its verdict. */
  scenarioRun: ScenarioRun | null;
  /** performance.now() when the last frame arrived; 0 before any. */
  lastFrameAt: number;
  actions: TrafficActions;
}

export type TrafficStore = StoreApi<TrafficState>;

function sameLink(a: LinkLive | undefined, b: LinkLive): boolean {
  if (!a) return false;
  return (
    a.from === b.from &&
    a.to === b.to &&
    a.rate === b.rate &&
    a.attemptRate === b.attemptRate &&
    a.errorShare === b.errorShare &&
    a.refusedShare === b.refusedShare &&
    a.latencyMs === b.latencyMs &&
    a.total === b.total &&
    a.errors === b.errors &&
    a.refused === b.refused &&
    a.retries === b.retries &&
    a.breaker === b.breaker &&
    a.mutualTls === b.mutualTls &&
    a.handshakes === b.handshakes
  );
}

function sameService(a: ServiceLive | undefined, b: ServiceLive): boolean {
  return (
    !!a &&
    a.state === b.state &&
    a.acceptedRate === b.acceptedRate &&
    a.totalAccepted === b.totalAccepted &&
    a.detail === b.detail
  );
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export function createTrafficStore(): TrafficStore {
  /** The last second of frames, oldest first. */
  let recent: TrafficFrame[] = [];

  return createStore<TrafficState>()((set, get) => ({
    worldId: null,
    links: {},
    services: {},
    refusals: {},
    faults: [],
    scenarioRun: null,
    lastFrameAt: 0,
    actions: {
      reset(worldId) {
        recent = [];
        set({ worldId, links: {}, services: {}, refusals: {}, faults: [], scenarioRun: null, lastFrameAt: 0 });
      },

      ingestScenario(progress) {
        if (progress.worldId !== get().worldId) return;
        const current = get().scenarioRun;
        const fresh = !current || current.done || current.name !== progress.name;
        const run: ScenarioRun = {
          name: progress.name,
          lines: [...(fresh ? [] : current.lines), progress.line].slice(-200),
          done: progress.done,
        };
        if (progress.passed !== undefined) run.passed = progress.passed;
        if (progress.results) run.results = progress.results;
        set({ scenarioRun: run });
      },

      ingestFaults(list) {
        if (list.worldId !== get().worldId) return;
        set({ faults: list.faults });
      },

      ingestFrame(frame) {
        const state = get();
        if (frame.worldId !== state.worldId) return;
        recent.push(frame);
        if (recent.length > FRAMES_KEPT) recent = recent.slice(-FRAMES_KEPT);
        const spanMs = recent.reduce((sum, f) => sum + (f.windowMs || FRAME_INTERVAL_MS), 0) || FRAME_INTERVAL_MS;
        const perSecond = (count: number) => round1((count * 1000) / spanMs);

        const windowSums = new Map<
          string,
          { requests: number; errors: number; refused: number; latency: number; answered: number }
        >();
        for (const f of recent) {
          for (const link of f.links) {
            const sum = windowSums.get(link.id) ?? { requests: 0, errors: 0, refused: 0, latency: 0, answered: 0 };
            sum.requests += link.requests;
            // senders that do not report answers: a call that neither failed nor was refused was answered
            sum.answered += link.answered ?? link.requests - link.errors - link.refused;
            sum.errors += link.errors;
            sum.refused += link.refused;
            sum.latency += link.latencyMsAvg * link.requests;
            windowSums.set(link.id, sum);
          }
        }
        const links: Record<string, LinkLive> = {};
        for (const link of frame.links) {
          const sum = windowSums.get(link.id) ?? { requests: 0, errors: 0, refused: 0, latency: 0, answered: 0 };
          const attempts = Math.max(sum.requests, sum.errors + sum.refused);
          const next: LinkLive = {
            from: link.from,
            to: link.to,
            rate: perSecond(sum.requests),
            attemptRate: perSecond(attempts),
            errorShare: attempts > 0 ? sum.errors / attempts : 0,
            refusedShare: attempts > 0 ? sum.refused / attempts : 0,
            latencyMs: sum.requests > 0 ? sum.latency / sum.requests : link.latencyMsAvg,
            total: link.total.requests,
            errors: link.total.errors,
            refused: link.total.refused,
            mutualTls: sum.answered > 0,
            handshakes: link.total.handshakes ?? 0,
          };
          if (link.totalRetries) next.retries = link.totalRetries;
          if (link.breaker) next.breaker = link.breaker;
          const previous = state.links[link.id];
          links[link.id] = previous && sameLink(previous, next) ? previous : next;
        }

        const accepted = new Map<string, number>();
        for (const f of recent) {
          for (const s of f.services) accepted.set(s.id, (accepted.get(s.id) ?? 0) + s.accepted);
        }
        const services: Record<string, ServiceLive> = { ...state.services };
        for (const s of frame.services) {
          const previous = state.services[s.id];
          const next: ServiceLive = {
            state: s.state,
            acceptedRate: perSecond(accepted.get(s.id) ?? 0),
            totalAccepted: s.totalAccepted,
          };
          if (previous?.detail !== undefined && previous.state === s.state) next.detail = previous.detail;
          services[s.id] = previous && sameService(previous, next) ? previous : next;
        }

        let refusals = state.refusals;
        if (frame.refusals.length > 0) {
          refusals = { ...refusals };
          for (const r of frame.refusals) {
            const list = [...(refusals[r.to] ?? [])];
            const at = list.findIndex((x) => x.from === r.from && x.reason === r.reason);
            const found = at >= 0 ? list[at] : undefined;
            if (found) list[at] = { ...found, count: found.count + r.count };
            else list.push({ from: r.from, reason: r.reason, count: r.count });
            refusals[r.to] = list;
          }
        }
        set({ links, services, refusals, lastFrameAt: performance.now() });
      },

      ingestStatus(status) {
        const state = get();
        if (status.worldId !== state.worldId) return;
        const previous = state.services[status.id];
        const next: ServiceLive = {
          state: status.state,
          acceptedRate: previous?.acceptedRate ?? 0,
          totalAccepted: previous?.totalAccepted ?? 0,
        };
        if (status.detail) next.detail = status.detail;
        if (sameService(previous, next)) return;
        set({ services: { ...state.services, [status.id]: next } });
      },

      ingestDeployStatus(status) {
        const services: Record<string, ServiceLive> = {};
        for (const s of status.services) {
          services[s.id] = { state: s.state, acceptedRate: 0, totalAccepted: 0 };
        }
        set({ services });
      },

      deployStarted(serviceIds) {
        recent = [];
        const services: Record<string, ServiceLive> = { ...get().services };
        for (const id of serviceIds) {
          const previous = services[id];
          // A redeploy keeps running services running; only new ones start.
          if (!previous || previous.state === 'stopped' || previous.state === 'crashed') {
            services[id] = { state: 'starting', acceptedRate: 0, totalAccepted: 0 };
          }
        }
        set({ services, refusals: {} });
      },

      stopped() {
        recent = [];
        const services: Record<string, ServiceLive> = {};
        for (const id of Object.keys(get().services)) {
          services[id] = { state: 'stopped', acceptedRate: 0, totalAccepted: 0 };
        }
        set({ links: {}, services, refusals: {}, faults: [], lastFrameAt: 0 });
      },
    },
  }));
}
