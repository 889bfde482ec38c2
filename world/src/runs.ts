// Runs: every deploy of a world is recorded by the controller while it runs (server/src/runs/), kept in its data
// directory, listed, replayed, compared and shared as one file. This is the contract of all of that: the records of
// a recording (one NDJSON line each), the HTTP bodies of /api/runs, the export file, and the pure functions that
// turn recorded frames into totals, events and a comparison (the controller and the editor both use them).
import Type, { type Static } from 'typebox';
import { DeployProgressEvent, IdentityRolled, ServiceLogLine, ServiceStatusEvent, TrafficFrame } from './events.js';
import { FaultList } from './faults.js';
import { addCalls, type CallTally, emptyTally, latencyQuantile } from './figures.js';
import { WorldId } from './ids.js';
import { planDeploy } from './reconcile.js';
import { ScenarioProgress } from './scenario.js';
import { Span } from './trace.js';
import { World } from './world.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const EpochMs = Type.Number({ minimum: 0 });

/** A run's id: its start in base 36 and six random hex digits, e.g. `mbx1k2a9-3f9a2c`. */
export const RunId = Type.String({ pattern: '^[a-z0-9]{1,16}-[0-9a-f]{6}$', maxLength: 23 });
export type RunId = Static<typeof RunId>;

/** GET /api/worlds/:id/runs (each), and the head of every other run answer. */
export const RunSummary = Type.Object(
  {
    runId: RunId,
    worldId: WorldId,
    /** The world revision the run deployed. */
    rev: Type.Integer({ minimum: 1 }),
    startedAt: EpochMs,
    /** Null while it runs. A run whose controller died ends at its last record (`interrupted`). */
    endedAt: Type.Union([EpochMs, Type.Null()]),
    /** Traffic frames recorded. */
    frames: Count,
    /** Bytes of its recording on disk. */
    bytes: Type.Optional(Count),
    /** Imported from a file: it can be replayed and compared, never continued. */
    imported: Type.Optional(Type.Boolean()),
    /** Its controller stopped without ending it (killed, crashed). */
    interrupted: Type.Optional(Type.Boolean()),
    /** It reached the per-run size limit: what came later was not recorded. */
    truncated: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type RunSummary = Static<typeof RunSummary>;
export const RunList = Type.Array(RunSummary);
export type RunList = Static<typeof RunList>;

/** A link's calls over a whole run, as its caller counted them. p50/p99 from the merged histograms (0 without calls). */
export const RunLinkTotals = Type.Object(
  {
    id: Type.String(),
    from: Type.String(),
    to: Type.String(),
    requests: Count,
    errors: Count,
    refused: Count,
    /** Calls per second over the run's recorded span. */
    ratePerSec: Type.Number({ minimum: 0 }),
    p50Ms: Type.Number({ minimum: 0 }),
    p99Ms: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type RunLinkTotals = Static<typeof RunLinkTotals>;

/** A service over a whole run: what it accepted, and every call it made over its links. */
export const RunServiceTotals = Type.Object(
  {
    id: Type.String(),
    accepted: Count,
    /** Accepted per second over the run's recorded span. */
    ratePerSec: Type.Number({ minimum: 0 }),
    requests: Count,
    errors: Count,
    refused: Count,
    p50Ms: Type.Number({ minimum: 0 }),
    p99Ms: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type RunServiceTotals = Static<typeof RunServiceTotals>;

/** Something worth jumping to in a replay. */
export const RunEventKind = Type.Union([
  Type.Literal('deploy'),
  Type.Literal('fault'),
  Type.Literal('heal'),
  Type.Literal('kill'),
  Type.Literal('refusals'),
  Type.Literal('renewal'),
  Type.Literal('rotation'),
  Type.Literal('scenario'),
  Type.Literal('stop'),
]);
export type RunEventKind = Static<typeof RunEventKind>;
export const RunEvent = Type.Object({ at: EpochMs, kind: RunEventKind, text: Type.String() }, strict);
export type RunEvent = Static<typeof RunEvent>;

/** GET /api/runs/:runId -- the summary, the world it ran, totals per link and service, and its events. */
export const RunDetail = Type.Object(
  {
    run: RunSummary,
    world: World,
    /** Span of the recorded frames, ms (from the first frame's window start to the last frame). */
    spanMs: Count,
    links: Type.Array(RunLinkTotals),
    services: Type.Array(RunServiceTotals),
    events: Type.Array(RunEvent),
  },
  strict,
);
export type RunDetail = Static<typeof RunDetail>;

/** At most this many frames in one answer of GET /api/runs/:runId/frames. */
export const MAX_FRAMES_PER_PAGE = 1500;

/**
 * `?from=&to=` (epoch ms, whole numbers: frames with from <= at < to) and `?limit=` (1 to MAX_FRAMES_PER_PAGE) of
 * GET /api/runs/:runId/frames. Query strings are not coerced: they are checked as text.
 */
export const RunFramesQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    to: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
  },
  strict,
);
export type RunFramesQuery = Static<typeof RunFramesQuery>;

/** One page of frames, oldest first; `next` is the `from` of the next page (null when this one is the last). */
export const RunFramesPage = Type.Object(
  { runId: RunId, frames: Type.Array(TrafficFrame), next: Type.Union([EpochMs, Type.Null()]) },
  strict,
);
export type RunFramesPage = Static<typeof RunFramesPage>;

export const RunParams = Type.Object({ runId: RunId }, strict);
export type RunParams = Static<typeof RunParams>;

/** The first line of a recording: which run, of which world at which revision, and that world. */
export const RunStartRecord = Type.Object(
  {
    t: Type.Literal('start'),
    runId: RunId,
    worldId: WorldId,
    rev: Type.Integer({ minimum: 1 }),
    at: EpochMs,
    world: World,
    imported: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type RunStartRecord = Static<typeof RunStartRecord>;

/**
 * One line of a recording (NDJSON, append-only): what the live view received (frames, service states, deploy
 * steps, faults), the sampled spans and log lines (each capped per second), the scenario lines that played, and
 * the end. `at` is epoch ms when the controller wrote it down.
 */
export const RunRecord = Type.Union([
  RunStartRecord,
  Type.Object({ t: Type.Literal('frame'), at: EpochMs, frame: TrafficFrame }, strict),
  Type.Object({ t: Type.Literal('status'), at: EpochMs, status: ServiceStatusEvent }, strict),
  Type.Object({ t: Type.Literal('progress'), at: EpochMs, progress: DeployProgressEvent }, strict),
  Type.Object({ t: Type.Literal('faults'), at: EpochMs, faults: FaultList }, strict),
  Type.Object({ t: Type.Literal('log'), at: EpochMs, log: ServiceLogLine }, strict),
  Type.Object({ t: Type.Literal('spans'), at: EpochMs, spans: Type.Array(Span, { maxItems: 1024 }) }, strict),
  Type.Object({ t: Type.Literal('scenario'), at: EpochMs, scenario: ScenarioProgress }, strict),
  Type.Object({ t: Type.Literal('identity'), at: EpochMs, identity: IdentityRolled }, strict),
  /** The per-run size limit was reached: nothing more but the end is written. */
  Type.Object({ t: Type.Literal('truncated'), at: EpochMs }, strict),
  Type.Object({ t: Type.Literal('end'), at: EpochMs }, strict),
]);
export type RunRecord = Static<typeof RunRecord>;

/** The format tag of an exported run. */
export const RUN_FILE_FORMAT = 'dw-run/1';

/**
 * GET /api/runs/:runId/export and POST /api/runs/import: one file with the run's world, its whole recording
 * (frames, states, steps, faults, spans, log lines, scenario lines) and nothing secret (no key, no token: a
 * recording never holds any).
 */
export const RunFile = Type.Object(
  {
    format: Type.Literal(RUN_FILE_FORMAT),
    run: RunSummary,
    world: World,
    records: Type.Array(RunRecord, { maxItems: 2_000_000 }),
  },
  strict,
);
export type RunFile = Static<typeof RunFile>;

/** The answer to POST /api/runs/import: the new run (a new id; read-only). */
export const RunImported = Type.Object({ run: RunSummary }, strict);
export type RunImported = Static<typeof RunImported>;

/** The frames of a list of records, in order. */
export function framesOf(records: readonly RunRecord[]): TrafficFrame[] {
  const frames: TrafficFrame[] = [];
  for (const record of records) if (record.t === 'frame') frames.push(record.frame);
  return frames;
}

/** How long the frames cover, ms: from the first window's start to the last frame. */
export function spanOf(frames: readonly TrafficFrame[]): number {
  const first = frames[0];
  const last = frames[frames.length - 1];
  if (!first || !last) return 0;
  return Math.max(0, Math.round(last.at - (first.at - first.windowMs)));
}

/** Totals per link and per service over recorded frames: the sums of their windows (exact: windows add up). */
export function runTotals(frames: readonly TrafficFrame[]): {
  spanMs: number;
  links: RunLinkTotals[];
  services: RunServiceTotals[];
} {
  const spanMs = spanOf(frames);
  const links = new Map<string, { from: string; to: string; tally: CallTally }>();
  const services = new Map<string, { accepted: number; tally: CallTally }>();
  const serviceOf = (id: string) => {
    let entry = services.get(id);
    if (!entry) {
      entry = { accepted: 0, tally: emptyTally() };
      services.set(id, entry);
    }
    return entry;
  };
  for (const frame of frames) {
    for (const link of frame.links) {
      let entry = links.get(link.id);
      if (!entry) {
        entry = { from: link.from, to: link.to, tally: emptyTally() };
        links.set(link.id, entry);
      }
      addCalls(entry.tally, link);
      addCalls(serviceOf(link.from).tally, link);
    }
    for (const service of frame.services) serviceOf(service.id).accepted += service.accepted;
  }
  const perSec = (count: number) => (spanMs > 0 ? Math.round((count * 100_000) / spanMs) / 100 : 0);
  const quantiles = (t: CallTally) => ({
    p50Ms: Math.round(latencyQuantile(t, 0.5) * 100) / 100,
    p99Ms: Math.round(latencyQuantile(t, 0.99) * 100) / 100,
  });
  return {
    spanMs,
    links: [...links].map(([id, { from, to, tally }]) => ({
      id,
      from,
      to,
      requests: tally.requests,
      errors: tally.errors,
      refused: tally.refused,
      ratePerSec: perSec(tally.requests),
      ...quantiles(tally),
    })),
    services: [...services].map(([id, { accepted, tally }]) => ({
      id,
      accepted,
      ratePerSec: perSec(accepted),
      requests: tally.requests,
      errors: tally.errors,
      refused: tally.refused,
      ...quantiles(tally),
    })),
  };
}

/** A window where at least this many calls were refused (and more than the window before) is a refusal burst. */
export const REFUSAL_BURST = 5;
/** At most this many events are listed for a run. */
export const MAX_RUN_EVENTS = 500;

const describeFault = (fault: FaultList['faults'][number]['fault']): string =>
  'serviceId' in fault ? `${fault.kind} ${fault.serviceId}` : `${fault.kind} on ${fault.linkId}`;

/**
 * The events of a recording worth jumping to: deploy, faults added and removed, kills and crashes, refusal bursts,
 * renewals and CA rotations.
 */
export function runEvents(records: readonly RunRecord[]): RunEvent[] {
  const events: RunEvent[] = [];
  let faults = new Map<string, string>();
  let refusedBefore = 0;
  const push = (event: RunEvent) => {
    if (events.length < MAX_RUN_EVENTS) events.push(event);
  };
  for (const record of records) {
    if (record.t === 'start') push({ at: record.at, kind: 'deploy', text: `deployed rev ${record.rev}` });
    else if (record.t === 'faults') {
      const now = new Map(record.faults.faults.map((f) => [f.id, describeFault(f.fault)]));
      for (const [id, text] of now) if (!faults.has(id)) push({ at: record.at, kind: 'fault', text });
      for (const [id, text] of faults) if (!now.has(id)) push({ at: record.at, kind: 'heal', text: `${text} removed` });
      faults = now;
    } else if (record.t === 'status' && record.status.state === 'crashed') {
      push({ at: record.at, kind: 'kill', text: `${record.status.id} ${record.status.detail ?? 'crashed'}` });
    } else if (record.t === 'frame') {
      const frame = record.frame;
      let refused = 0;
      for (const link of frame.links) refused += link.refused;
      for (const refusal of frame.refusals) refused += refusal.count;
      if (refused >= REFUSAL_BURST && refused > refusedBefore) {
        push({ at: frame.at, kind: 'refusals', text: `${refused} calls refused in ${frame.windowMs} ms` });
      }
      refusedBefore = refused;
    } else if (record.t === 'scenario') {
      push({ at: record.at, kind: 'scenario', text: record.scenario.line });
    } else if (record.t === 'identity') {
      const { kind, ca, reloaded, tookMs } = record.identity;
      const what = kind === 'rotation' ? `CA rotated to ${ca.fingerprint256.slice(0, 11)}…` : 'identities renewed';
      push({ at: record.at, kind, text: `${what}: ${reloaded} process(es) reloaded in ${Math.round(tookMs)} ms` });
    } else if (record.t === 'end') push({ at: record.at, kind: 'stop', text: 'stopped' });
  }
  return events;
}

/** One figure of two runs side by side: `delta` is b - a; `better` says whether b is better (null: no change). */
export interface Compared {
  a: number;
  b: number;
  delta: number;
  better: boolean | null;
}

const compare = (a: number, b: number, lowerIsBetter: boolean): Compared => {
  const delta = Math.round((b - a) * 100) / 100;
  return { a, b, delta, better: delta === 0 ? null : lowerIsBetter ? delta < 0 : delta > 0 };
};

export interface ComparedLink {
  id: string;
  from: string;
  to: string;
  /** Which runs have it: a link added or removed between the two revisions is in one only. */
  in: 'both' | 'a' | 'b';
  rate: Compared;
  errors: Compared;
  refused: Compared;
  p50Ms: Compared;
  p99Ms: Compared;
  /** Worse in errors, refusals or p99 (what the diagram colours red), better (green), or neither. */
  verdict: 'better' | 'worse' | 'same';
}

export interface ComparedService {
  id: string;
  in: 'both' | 'a' | 'b';
  rate: Compared;
  errors: Compared;
  refused: Compared;
  p50Ms: Compared;
  p99Ms: Compared;
  verdict: 'better' | 'worse' | 'same';
}

/** The world diff between the runs' revisions: services started, stopped, restarted; links added and removed. */
export interface RunWorldDiff {
  services: { added: string[]; removed: string[]; changed: string[] };
  links: { added: string[]; removed: string[] };
}

const verdictOf = (figures: Compared[]): 'better' | 'worse' | 'same' => {
  if (figures.some((f) => f.better === false)) return 'worse';
  if (figures.some((f) => f.better === true)) return 'better';
  return 'same';
};

type Totals = Pick<RunLinkTotals, 'requests' | 'errors' | 'refused' | 'ratePerSec' | 'p50Ms' | 'p99Ms'>;
const ZERO: Totals = { requests: 0, errors: 0, refused: 0, ratePerSec: 0, p50Ms: 0, p99Ms: 0 };

function compareTotals(a: Totals, b: Totals) {
  const figures = {
    rate: compare(a.ratePerSec, b.ratePerSec, false),
    errors: compare(a.errors, b.errors, true),
    refused: compare(a.refused, b.refused, true),
    p50Ms: compare(a.p50Ms, b.p50Ms, true),
    p99Ms: compare(a.p99Ms, b.p99Ms, true),
  };
  // rate alone is not better or worse (it is what the clients send); failures and latency are
  return { ...figures, verdict: verdictOf([figures.errors, figures.refused, figures.p99Ms]) };
}

/** Two runs side by side (b against a): per link and per service, and the world diff between their revisions. */
export function compareRuns(
  a: Pick<RunDetail, 'links' | 'services' | 'world'>,
  b: Pick<RunDetail, 'links' | 'services' | 'world'>,
): { links: ComparedLink[]; services: ComparedService[]; world: RunWorldDiff } {
  const ids = (list: { id: string }[]) => list.map((x) => x.id);
  const linkIds = [...new Set([...ids(a.links), ...ids(b.links)])];
  const links = linkIds.map((id): ComparedLink => {
    const la = a.links.find((l) => l.id === id);
    const lb = b.links.find((l) => l.id === id);
    const any = (la ?? lb) as RunLinkTotals;
    return {
      id,
      from: any.from,
      to: any.to,
      in: la && lb ? 'both' : la ? 'a' : 'b',
      ...compareTotals(la ?? ZERO, lb ?? ZERO),
    };
  });
  const serviceIds = [...new Set([...ids(a.services), ...ids(b.services)])];
  const services = serviceIds.map((id): ComparedService => {
    const sa = a.services.find((s) => s.id === id);
    const sb = b.services.find((s) => s.id === id);
    return { id, in: sa && sb ? 'both' : sa ? 'a' : 'b', ...compareTotals(sa ?? ZERO, sb ?? ZERO) };
  });
  const plan = planDeploy(a.world, b.world);
  const linkKey = (l: World['links'][number]) => l.id;
  const linksA = new Set(a.world.links.map(linkKey));
  const linksB = new Set(b.world.links.map(linkKey));
  return {
    links,
    services,
    world: {
      services: {
        added: plan.start,
        removed: plan.stop,
        changed: [...plan.restart, ...plan.scale.map((s) => s.id)],
      },
      links: {
        added: [...linksB].filter((id) => !linksA.has(id)),
        removed: [...linksA].filter((id) => !linksB.has(id)),
      },
    },
  };
}
