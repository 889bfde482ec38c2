// A world that runs somewhere else (in compose containers) and that this controller only watches: no processes,
// no identities. A service's state and the traffic frames come from its telemetry alone: a service is ready once
// it reports ready, and shown as crashed when it has not reported for a while (its container is down or restarting).
import { timingSafeEqual } from 'node:crypto';
import type {
  DeployStatus,
  ObserveConfig,
  ServiceState,
  ServiceStatusEvent,
  TelemetryBatch,
  TrafficFrame,
  World,
} from '@dw/world';
import { TrafficAggregator } from '../traffic/aggregator.js';
import { DeliveredBatches } from '../traffic/delivered-batches.js';

/** Services report at least about once a second; this long without a batch means the container is gone. */
export const SILENT_AFTER_MS = 5000;

interface Observed {
  id: string;
  state: ServiceState;
  pid: number | null;
  lastAt: number;
  detail?: string;
}

export interface ObservedDeploymentOptions {
  config: ObserveConfig;
  frameIntervalMs: number;
  onStatus: (event: ServiceStatusEvent) => void;
  onFrame: (frame: TrafficFrame) => void;
  now?: () => number;
}

export class ObservedDeployment {
  readonly worldId: string;
  readonly rev: number;
  readonly world: World;
  private readonly services = new Map<string, Observed>();
  private readonly aggregator: TrafficAggregator;
  private readonly delivered = new DeliveredBatches();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ObservedDeploymentOptions) {
    const { worldId, rev, world } = options.config;
    this.worldId = worldId;
    this.rev = rev;
    this.world = world;
    this.now = options.now ?? Date.now;
    this.aggregator = new TrafficAggregator(worldId, rev, world, this.now());
    for (const s of world.services) {
      this.services.set(s.id, { id: s.id, state: 'starting', pid: null, lastAt: 0, detail: 'no telemetry yet' });
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.frameIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Marks silent services and emits one frame; called every frame interval. */
  tick(): void {
    const now = this.now();
    for (const s of this.services.values()) {
      if (s.state === 'ready' && now - s.lastAt > SILENT_AFTER_MS) {
        this.set(s, 'crashed', `no telemetry for ${Math.round((now - s.lastAt) / 1000)} s`);
      }
    }
    this.options.onFrame(this.aggregator.frame(now, (id) => this.services.get(id)?.state ?? 'stopped'));
  }

  tokenMatches(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.options.config.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  ingest(batch: TelemetryBatch): 'accepted' | 'stale' | 'duplicate' {
    const service = this.services.get(batch.serviceId);
    if (batch.rev !== this.rev || !service) return 'stale';
    if (!this.delivered.firstTime(batch)) return 'duplicate';
    service.lastAt = this.now();
    service.pid = batch.pid;
    if (batch.ready && service.state !== 'ready') this.set(service, 'ready', undefined);
    this.aggregator.ingest(batch);
    return 'accepted';
  }

  private set(service: Observed, state: ServiceState, detail: string | undefined): void {
    service.state = state;
    service.detail = detail;
    this.options.onStatus(this.event(service));
  }

  private event(s: Observed): ServiceStatusEvent {
    const event: ServiceStatusEvent = {
      worldId: this.worldId,
      rev: this.rev,
      id: s.id,
      state: s.state,
      pid: s.pid,
      port: null,
    };
    if (s.detail !== undefined) event.detail = s.detail;
    return event;
  }

  statusEvents(): ServiceStatusEvent[] {
    return [...this.services.values()].map((s) => this.event(s));
  }

  status(): DeployStatus {
    return {
      rev: this.rev,
      services: [...this.services.values()].map((s) => ({ id: s.id, state: s.state, pid: s.pid, port: null })),
    };
  }
}
