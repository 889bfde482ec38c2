// Telemetry intake: what a deployment takes from its processes. A batch needs the deployment's token; batches of
// other revisions or of replaced processes are ignored, and so is a batch sent again after a delivery that timed out
// but arrived (each process's seq is counted once). Accepted batches feed the traffic aggregator (frames, every
// frame interval) and the trace store.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TelemetryBatch, TrafficFrame, World } from '@dw/world';
import { TrafficAggregator } from '../traffic/aggregator.js';
import { DeliveredBatches } from '../traffic/delivered-batches.js';
import { TraceStore } from '../traffic/trace-store.js';
import { processKey, type ServiceProcess } from './service-process.js';

export type IngestResult = 'accepted' | 'stale' | 'duplicate';

export class TelemetryIntake {
  /** The secret every process of the deployment reports with. */
  readonly token = randomBytes(24).toString('base64url');
  /** The last telemetry seq counted per process; how many copies were not counted again. */
  readonly delivered = new DeliveredBatches();
  /** Recent sampled traces of the deployment. */
  readonly traces = new TraceStore();
  /** Read by /metrics; replaced when a redeploy changes the world, carrying the totals of what it keeps. */
  aggregator: TrafficAggregator;
  private frameTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly worldId: string,
    rev: number,
    world: World,
  ) {
    this.aggregator = new TrafficAggregator(worldId, rev, world);
  }

  tokenMatches(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Takes a batch whose token matched, if it comes from a current process of `processes`. */
  ingest(batch: TelemetryBatch, processes: ReadonlyMap<string, ServiceProcess>): IngestResult {
    const process = processes.get(processKey(batch.serviceId, batch.replica));
    // A kept process reports the revision it was started with.
    if (!process || process.config.rev !== batch.rev || process.pid !== batch.pid || !process.alive) return 'stale';
    if (!this.delivered.firstTime(batch)) return 'duplicate';
    if (batch.ready) process.markReady();
    this.aggregator.ingest(batch);
    if (batch.spans) this.traces.add(batch.serviceId, batch.spans);
    return 'accepted';
  }

  /** A redeploy changed the world: windows start afresh, totals go on (TrafficAggregator.carryTotalsFrom). */
  restart(rev: number, world: World): void {
    const next = new TrafficAggregator(this.worldId, rev, world);
    next.carryTotalsFrom(this.aggregator);
    this.aggregator = next;
  }

  /** Closes a window every `intervalMs` and hands its frame on. */
  startFrames(
    intervalMs: number,
    frame: (frame: TrafficFrame) => void,
    stateOf: Parameters<TrafficAggregator['frame']>[1],
  ) {
    clearInterval(this.frameTimer);
    this.frameTimer = setInterval(() => frame(this.aggregator.frame(Date.now(), stateOf)), intervalMs);
    this.frameTimer.unref();
  }

  stop(): void {
    clearInterval(this.frameTimer);
  }
}
