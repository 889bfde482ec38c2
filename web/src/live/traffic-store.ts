// Live traffic, kept apart from the editor store and from React Flow: frames arrive five times a second and only
// the few components that show a number (link labels, node badges) and the particle overlay subscribe to them.
// The figures (rates, failed shares, latency quantiles and mean) come computed in each frame (@dw/world
// figures.ts, by the controller's aggregator, over the last FIGURE_WINDOW_MS): they are read here, never
// computed again, so a label, an inspector and a chart show the same number.
import {
  type ActiveFault,
  type BreakerState,
  type DeployProgressEvent,
  type DeployStatus,
  type DeployStep,
  type FaultList,
  FIGURE_WINDOW_MS,
  FRAME_INTERVAL_MS,
  type MessageSample,
  type RefusalReason,
  type ScenarioProgress,
  type ServiceState,
  type ServiceStatusEvent,
  type TrafficFrame,
} from '@dw/world';
import { createStore, type StoreApi } from 'zustand/vanilla';

/** Figures cover about this long, so a label's rate is "requests per second over the last second". */
export const RATE_WINDOW_MS = FIGURE_WINDOW_MS;
/** History: one point per second for the last five minutes, per link and per service. */
export const HISTORY_POINTS = 300;
/** Sampled messages kept for the inspector (each can be opened as a trace). */
export const SAMPLES_KEPT = 60;

/** One second of a link (rate, errors, p99 of its calls) or a service (accepted rate, errors, p99 of its out-calls). */
export interface HistoryPoint {
  at: number;
  rate: number;
  errors: number;
  p99Ms: number;
}

export interface LinkLive {
  from: string;
  to: string;
  /** Requests per second over the last ~second (the frame's figures.ratePerSec). */
  rate: number;
  /** Calls per second including failed and refused ones, and the share of each outcome, over the same window. */
  attemptRate: number;
  errorShare: number;
  refusedShare: number;
  /** Mean, p50 and p99 latency over the same window, ms; the last ones seen while the link is quiet. */
  latencyMs: number;
  p50Ms: number;
  p99Ms: number;
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
  /** Calls it made per second over its links, same window. */
  outRate?: number;
  totalAccepted: number;
  /** Why it is in this state, from the controller (exit code, last stderr line). */
  detail?: string;
  /** Each copy, when it runs more than once (from the status events). */
  replicas?: ReplicaLive[];
  /** The figures its kind reports (a queue's depth, a store's keys), by name: the latest frame's. */
  gauges?: Record<string, number>;
}

export interface ReplicaLive {
  replica: number;
  state: ServiceState;
  pid: number | null;
  /** Requests this copy accepted per second over the last frame (absent before the first frame). */
  acceptedRate?: number;
}

/** Where one service of the latest deploy is: the last step it reported (deploy:progress). */
export interface ServiceProgress {
  step: DeployStep;
  /** Epoch ms when the controller saw the step. */
  at: number;
  /** Why it crashed or failed; what kind of identity it got. */
  detail?: string;
  /** Of the leaf issued to it. */
  serial?: string;
  notAfter?: string;
}

/** True while a service of the deploy has not reached ready (nor crashed or failed). */
export function deployInProgress(progress: Record<string, ServiceProgress>): boolean {
  return Object.values(progress).some((p) => p.step === 'identity-issued' || p.step === 'starting');
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
  /** A step of a service of a deploy; a step of a newer revision starts the progress afresh. */
  ingestProgress(event: DeployProgressEvent): void;
  /** The faults in force on the watched world. */
  ingestFaults(list: FaultList): void;
  /** A line of a scenario run on the watched world (the first line of a new run starts a new log). */
  ingestScenario(progress: ScenarioProgress): void;
  /** A deploy was accepted: these services are on their way. */
  deployStarted(serviceIds: string[]): void;
  /** The deployment was stopped: keep the states, drop the numbers. */
  stopped(): void;
  /** Paused: frames are dropped and the view holds still until resumed. */
  setPaused(paused: boolean): void;
  /** The trace shown in the waterfall, or null. */
  openTrace(traceId: string | null): void;
  /**
   * The last minutes, oldest first, of a link (`link:<id>`), a service (`service:<id>`: accepted rate, failures
   * and p99 of its calls) or what a caller sent (`out:<id>`).
   */
  history(key: string): readonly HistoryPoint[];
}

export interface TrafficState {
  worldId: string | null;
  links: Record<string, LinkLive>;
  services: Record<string, ServiceLive>;
  /** The services the latest deploy started (a redeploy: only those it started or restarted), each's last step. */
  progress: Record<string, ServiceProgress>;
  /** The revision `progress` is of, and how many services that deploy starts. */
  progressRev: number | null;
  progressOf: number;
  /** Refusals no link explains, keyed by the callee's id. */
  refusals: Record<string, RefusalLive[]>;
  /** Faults in force on the deployment (latency, abort, drop, partition on links; pause on services). */
  faults: ActiveFault[];
  /** The last scenario run seen on this world: its lines so far and, once done, its verdict. */
  scenarioRun: ScenarioRun | null;
  /** performance.now() when the last frame arrived; 0 before any. */
  lastFrameAt: number;
  paused: boolean;
  /** Recent sampled messages, newest last. */
  samples: MessageSample[];
  /** Bumped whenever a history point is added. */
  historyVersion: number;
  openTraceId: string | null;
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
    a.p50Ms === b.p50Ms &&
    a.p99Ms === b.p99Ms &&
    a.total === b.total &&
    a.errors === b.errors &&
    a.refused === b.refused &&
    a.retries === b.retries &&
    a.breaker === b.breaker &&
    a.mutualTls === b.mutualTls &&
    a.handshakes === b.handshakes
  );
}

function sameReplicas(a: ReplicaLive[] | undefined, b: ReplicaLive[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((r, i) => {
    const o = b[i] as ReplicaLive;
    return r.replica === o.replica && r.state === o.state && r.pid === o.pid && r.acceptedRate === o.acceptedRate;
  });
}

function sameGauges(a: Record<string, number> | undefined, b: Record<string, number> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

function sameService(a: ServiceLive | undefined, b: ServiceLive): boolean {
  return (
    !!a &&
    a.state === b.state &&
    sameReplicas(a.replicas, b.replicas) &&
    sameGauges(a.gauges, b.gauges) &&
    a.acceptedRate === b.acceptedRate &&
    a.outRate === b.outRate &&
    a.totalAccepted === b.totalAccepted &&
    a.detail === b.detail
  );
}

const round1 = (value: number) => Math.round(value * 10) / 10;

const NO_HISTORY: readonly HistoryPoint[] = [];

export function createTrafficStore(): TrafficStore {
  let history = new Map<string, HistoryPoint[]>();
  /** How much of the second being gathered the frames so far cover. */
  let gatheredMs = 0;

  const point = (key: string, at: number, rate: number, errors: number, p99Ms: number) => {
    const points = history.get(key) ?? [];
    points.push({ at, rate: round1(rate), errors: round1(errors), p99Ms: round1(p99Ms) });
    if (points.length > HISTORY_POINTS) points.splice(0, points.length - HISTORY_POINTS);
    history.set(key, points);
  };

  /**
   * Once a second of frames has come, adds a point per link and service: the figures of the frame that ends it,
   * which cover that second. True when it did.
   */
  const record = (frame: TrafficFrame): boolean => {
    gatheredMs += frame.windowMs || FRAME_INTERVAL_MS;
    if (gatheredMs < RATE_WINDOW_MS) return false;
    gatheredMs = 0;
    for (const link of frame.links) {
      const f = link.figures;
      point(
        `link:${link.id}`,
        frame.at,
        f?.ratePerSec ?? 0,
        (f?.ratePerSec ?? 0) * (f?.failedShare ?? 0),
        f?.latencyMsP99 ?? 0,
      );
    }
    for (const s of frame.services) {
      // a service's history (service:): what it accepted, and how the calls to it fared as its callers saw them
      // (failed and refused ones over its incoming links; p99 of the slowest incoming link, an upper bound of the
      // merged p99 when it has several callers); what it sent and how its own calls fared (out:)
      let inFailures = 0;
      let inP99 = 0;
      for (const link of frame.links) {
        if (link.to !== s.id) continue;
        const f = link.figures;
        inFailures += (f?.ratePerSec ?? 0) * (f?.failedShare ?? 0);
        inP99 = Math.max(inP99, f?.latencyMsP99 ?? 0);
      }
      point(`service:${s.id}`, frame.at, s.figures?.inPerSec ?? 0, inFailures, inP99);
      const out = s.figures?.out;
      if (frame.links.some((l) => l.from === s.id)) {
        const failures = (out?.ratePerSec ?? 0) * (out?.failedShare ?? 0);
        point(`out:${s.id}`, frame.at, out?.ratePerSec ?? 0, failures, out?.latencyMsP99 ?? 0);
      }
    }
    return true;
  };

  return createStore<TrafficState>()((set, get) => ({
    worldId: null,
    links: {},
    services: {},
    progress: {},
    progressRev: null,
    progressOf: 0,
    refusals: {},
    faults: [],
    scenarioRun: null,
    lastFrameAt: 0,
    paused: false,
    samples: [],
    historyVersion: 0,
    openTraceId: null,
    actions: {
      reset(worldId) {
        history = new Map();
        gatheredMs = 0;
        set({
          worldId,
          links: {},
          services: {},
          progress: {},
          progressRev: null,
          progressOf: 0,
          refusals: {},
          faults: [],
          scenarioRun: null,
          lastFrameAt: 0,
          samples: [],
          openTraceId: null,
        });
      },

      setPaused(paused) {
        set({ paused, lastFrameAt: paused ? 0 : get().lastFrameAt });
      },

      openTrace(traceId) {
        set({ openTraceId: traceId });
      },

      history(key) {
        return history.get(key) ?? NO_HISTORY;
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
        if (frame.worldId !== state.worldId || state.paused) return;
        const completedSecond = record(frame);
        const links: Record<string, LinkLive> = {};
        for (const link of frame.links) {
          const f = link.figures;
          const previous = state.links[link.id];
          const quiet = !f || f.ratePerSec === 0;
          const next: LinkLive = {
            from: link.from,
            to: link.to,
            rate: f?.ratePerSec ?? 0,
            attemptRate: f?.ratePerSec ?? 0,
            errorShare: f?.errorShare ?? 0,
            refusedShare: f?.refusedShare ?? 0,
            // a quiet link keeps the latencies it last had instead of showing 0
            latencyMs: quiet ? (previous?.latencyMs ?? 0) : f.latencyMsMean,
            p50Ms: quiet ? (previous?.p50Ms ?? 0) : f.latencyMsP50,
            p99Ms: quiet ? (previous?.p99Ms ?? 0) : f.latencyMsP99,
            total: link.total.requests,
            errors: link.total.errors,
            refused: link.total.refused,
            mutualTls: (f?.answered ?? 0) > 0,
            handshakes: link.total.handshakes ?? 0,
          };
          if (link.totalRetries) next.retries = link.totalRetries;
          if (link.breaker) next.breaker = link.breaker;
          links[link.id] = previous && sameLink(previous, next) ? previous : next;
        }

        const services: Record<string, ServiceLive> = { ...state.services };
        for (const s of frame.services) {
          const previous = state.services[s.id];
          const next: ServiceLive = {
            state: s.state,
            acceptedRate: s.figures?.inPerSec ?? 0,
            outRate: s.figures?.out.ratePerSec ?? 0,
            totalAccepted: s.totalAccepted,
          };
          if (previous?.detail !== undefined && previous.state === s.state) next.detail = previous.detail;
          if (s.gauges) {
            const gauges = Object.fromEntries(s.gauges.map((g) => [g.name, g.value]));
            next.gauges = sameGauges(previous?.gauges, gauges) ? previous?.gauges : gauges;
          } else if (previous?.gauges) next.gauges = previous.gauges;
          if (previous?.replicas) {
            // states and pids come with the status events; the frame adds what each copy accepted
            const rates = new Map((s.replicas ?? []).map((r) => [r.replica, r.inPerSec ?? 0]));
            const replicas = previous.replicas.map((r) => {
              const rate = rates.get(r.replica);
              return rate === undefined ? r : { ...r, acceptedRate: rate };
            });
            next.replicas = sameReplicas(previous.replicas, replicas) ? previous.replicas : replicas;
          }
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
        const samples =
          frame.samples && frame.samples.length > 0
            ? [...state.samples, ...frame.samples].slice(-SAMPLES_KEPT)
            : state.samples;
        set({
          links,
          services,
          refusals,
          samples,
          lastFrameAt: performance.now(),
          ...(completedSecond ? { historyVersion: state.historyVersion + 1 } : {}),
        });
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
        if (previous?.gauges) next.gauges = previous.gauges;
        if (status.replicas) {
          const replicas = status.replicas.map(({ replica, state, pid }): ReplicaLive => {
            const rate = previous?.replicas?.find((r) => r.replica === replica)?.acceptedRate;
            return rate === undefined ? { replica, state, pid } : { replica, state, pid, acceptedRate: rate };
          });
          next.replicas = sameReplicas(previous?.replicas, replicas) ? previous?.replicas : replicas;
        }
        if (sameService(previous, next)) return;
        set({ services: { ...state.services, [status.id]: next } });
      },

      ingestProgress(event) {
        const state = get();
        if (event.worldId !== state.worldId) return;
        if (state.progressRev !== null && event.rev < state.progressRev) return; // of a deploy since replaced
        const fresh = state.progressRev !== event.rev;
        const next: ServiceProgress = { step: event.step, at: event.at };
        if (event.detail !== undefined) next.detail = event.detail;
        if (event.serial !== undefined) next.serial = event.serial;
        if (event.notAfter !== undefined) next.notAfter = event.notAfter;
        set({
          progress: { ...(fresh ? {} : state.progress), [event.id]: next },
          progressRev: event.rev,
          progressOf: event.of,
        });
      },

      ingestDeployStatus(status) {
        const services: Record<string, ServiceLive> = {};
        for (const s of status.services) {
          services[s.id] = { state: s.state, acceptedRate: 0, totalAccepted: 0 };
          if (s.replicas) {
            (services[s.id] as ServiceLive).replicas = s.replicas.map(({ replica, state, pid }) => ({
              replica,
              state,
              pid,
            }));
          }
        }
        set({ services });
      },

      deployStarted(serviceIds) {
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
        const services: Record<string, ServiceLive> = {};
        for (const id of Object.keys(get().services)) {
          services[id] = { state: 'stopped', acceptedRate: 0, totalAccepted: 0 };
        }
        set({
          links: {},
          services,
          progress: {},
          progressRev: null,
          progressOf: 0,
          refusals: {},
          faults: [],
          lastFrameAt: 0,
        });
      },
    },
  }));
}
