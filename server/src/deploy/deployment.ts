// One deployed revision of one world: its processes, and the parts that each handle one concern of running them:
// provisioning (identities, provisioning.ts), the redeploy layout (ports, what ends: redeploy-layout.ts), peer
// announcement (peer-announcer.ts), deploy progress (deploy-progress.ts), status (service-status.ts), start order
// (start-order.ts), telemetry intake (telemetry-intake.ts), faults (fault-injector.ts) and identity renewal and
// rotation (identity-roll.ts). This file only puts them together. Events go out on the deployer's bus.
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyPairPem } from '@dw/pki';
import {
  combinedState,
  type DeployPlan,
  type DeployStatus,
  type IdentityRoll,
  leafLifetimeMsOf,
  processCountOf,
  replicasOf,
  restartOf,
  type ServiceLogLine,
  type ServiceState,
  type ServiceStatusEvent,
  type SpawnConfig,
  type TelemetryBatch,
  type World,
} from '@dw/world';
import type { TrafficAggregator } from '../traffic/aggregator.js';
import type { DeliveredBatches } from '../traffic/delivered-batches.js';
import type { TraceStore } from '../traffic/trace-store.js';
import type { DeployEventBus } from './deploy-events.js';
import { DeployProgress } from './deploy-progress.js';
import { FaultInjector } from './fault-injector.js';
import { loadOrCreateCA } from './identities.js';
import { IdentityKeeper } from './identity-roll.js';
import type { TlsIdentity } from './mtls.js';
import { PeerAnnouncer } from './peer-announcer.js';
import { spawnConfigs } from './plan.js';
import { allocatePorts } from './ports.js';
import { provision } from './provisioning.js';
import { redeployLayout } from './redeploy-layout.js';
import { DEFAULT_SERVICE_NICENESS, nicenessFor, nodeOptionsFor } from './service-priority.js';
import { processKey, ServiceProcess } from './service-process.js';
import { serviceStatus, statusEvent } from './service-status.js';
import { StartOrder, startsLate } from './start-order.js';
import { type IngestResult, TelemetryIntake } from './telemetry-intake.js';

export type { IngestResult };

export interface DeploymentOptions {
  worldId: string;
  rev: number;
  world: World;
  /** The service runtime bundle. */
  runtime: string;
  /** Where this deployment's leaves are written; removed on stop. */
  dir: string;
  /** Where the world's CA is kept. */
  caDir: string;
  /** Where a node of a durable kind keeps its data (kept across deploys; the deployer makes it). */
  dataDirOf?: (serviceId: string) => string;
  telemetryUrl: string;
  telemetryIntervalMs: number;
  frameIntervalMs: number;
  host: string;
  /** Where status, progress, frames, faults and log lines go (the deployer's bus). */
  events: DeployEventBus;
  /** Every service pid spawned (alive) or gone, for the guardian. */
  onPid?: (pid: number, alive: boolean) => void;
  onFaultPushFailed?: (serviceId: string, message: string) => void;
  /** Something went wrong in the background (an automatic renewal); for the log. */
  onError?: (error: Error) => void;
  /** The niceness of a large world's services (service-priority.ts); default DEFAULT_SERVICE_NICENESS. */
  serviceNiceness?: number;
}

function restartPolicyOf(world: World, serviceId: string) {
  const node = world.services.find((s) => s.id === serviceId);
  return node ? restartOf(node) : undefined;
}

export class Deployment {
  readonly worldId: string;
  /** The revision deployed last; kept processes may have been started by an earlier one. */
  rev: number;
  world: World;
  /** Every process, by processKey: `orders` is the first copy of orders, `orders#2` the second. */
  processes = new Map<string, ServiceProcess>();
  /** Faults in force: runtime state of the processes, never a redeploy. */
  readonly faults: FaultInjector;
  /** When the processes were spawned, and when the last one became ready (ms since epoch). */
  launchedAt = 0;
  allReadyAt: number | null = null;

  private readonly identities: IdentityKeeper;
  private readonly intake: TelemetryIntake;
  private readonly progress: DeployProgress;
  private readonly startOrder: StartOrder;
  private readonly announcer: PeerAnnouncer;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly options: DeploymentOptions,
    intake: TelemetryIntake,
    progress: DeployProgress,
    controller: TlsIdentity,
    ca: KeyPairPem,
    configs: SpawnConfig[],
  ) {
    this.worldId = options.worldId;
    this.rev = options.rev;
    this.world = options.world;
    this.intake = intake;
    this.progress = progress;
    this.identities = new IdentityKeeper({
      worldId: options.worldId,
      world: options.world,
      dir: options.dir,
      caDir: options.caDir,
      lifetimeMs: leafLifetimeMsOf(options.world),
      ca,
      controller,
      processes: () => this.processes.values(),
      onError: (error) => options.onError?.(error),
      onRolled: (kind, roll) => options.events.emit('identity', { worldId: options.worldId, kind, ...roll }),
    });
    this.faults = new FaultInjector({
      worldId: options.worldId,
      world: () => this.world,
      host: options.host,
      processes: () => this.processes,
      controller: () => this.controller,
      onChange: (list) => options.events.emit('faults', list),
      onPushFailed: options.onFaultPushFailed,
    });
    this.startOrder = new StartOrder({
      processes: () => this.processes.values(),
      stopping: () => this.stopping !== undefined,
    });
    this.announcer = new PeerAnnouncer((p) => this.processes.get(p.key) === p);
    for (const config of configs) {
      this.processes.set(processKey(config.serviceId, config.replica), this.newProcess(config, options.world));
    }
    this.progress.follow(new Set(configs.map((c) => c.serviceId)));
  }

  /** Issues identities, allocates ports and plans every spawn config; nothing runs yet. */
  static async prepare(options: DeploymentOptions): Promise<Deployment> {
    const { worldId, rev, world, host } = options;
    const ids = world.services.map((s) => s.id);
    const progress = new DeployProgress(worldId, (event) => options.events.emit('progress', event), rev);
    progress.begin(rev, ids.length);
    try {
      const ca = await loadOrCreateCA(options.caDir, worldId);
      const issued = await provision({
        ca,
        worldId,
        world,
        ids,
        dir: options.dir,
        issued: (id, f) => progress.issued(id, f),
      });
      const counts = world.services.map((s) => replicasOf(s));
      const ports = await allocatePorts(
        counts.reduce((a, b) => a + b, 0),
        host,
      );
      const intake = new TelemetryIntake(worldId, rev, world);
      const configs = spawnConfigs({
        worldId,
        rev,
        world,
        host,
        ports: new Map(ids.map((id, i) => [id, ports.splice(0, counts[i] as number)])),
        identities: issued.identities,
        telemetry: { url: options.telemetryUrl, token: intake.token, intervalMs: options.telemetryIntervalMs },
        dataDirOf: options.dataDirOf,
      });
      return new Deployment(options, intake, progress, issued.controller, ca, configs);
    } catch (error) {
      await rm(options.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Read by /metrics; replaced when a redeploy changes the world. */
  get aggregator(): TrafficAggregator {
    return this.intake.aggregator;
  }

  /** Recent sampled traces of this deployment. */
  get traces(): TraceStore {
    return this.intake.traces;
  }

  /** The last telemetry seq counted per process; how many copies were not counted again. */
  get delivered(): DeliveredBatches {
    return this.intake.delivered;
  }

  /** The copies of one service, first to last (none when it is not deployed). */
  replicasOf(serviceId: string): ServiceProcess[] {
    return [...this.processes.values()].filter((p) => p.id === serviceId).sort((a, b) => a.replica - b.replica);
  }

  /** A supervised process: its restart policy, the faults in force at each start, its pid told to the guardian. */
  private newProcess(config: SpawnConfig, world: World): ServiceProcess {
    const processes = processCountOf(world); // how large the world is decides its priority and node options
    return new ServiceProcess({
      config,
      runtime: this.options.runtime,
      onChange: (p) => this.changed(p),
      restart: restartPolicyOf(world, config.serviceId),
      startConfig: () => ({ faults: this.faults.runtimeFor(config.serviceId) }),
      onPid: this.options.onPid,
      niceness: nicenessFor(processes, this.options.serviceNiceness ?? DEFAULT_SERVICE_NICENESS),
      nodeOptions: nodeOptionsFor(processes),
      onLine: (p, stream, line, at) =>
        this.options.events.emit('log', { worldId: this.worldId, id: p.id, stream, line, at }),
    });
  }

  /**
   * Turns this deployment into `world` at `rev` following `plan` (deployDecision's, mode in-place): kept
   * processes keep running (same pid, same identity), restarted ones end and start again on their old port with a
   * fresh leaf, stopped ones end, started ones get a new port and leaf. A scaled service keeps its first copies
   * and starts or stops the ones above: callers hear of a copy going away before it stops, and of a new one once
   * it is ready (over IPC, without a restart). Services start first, new clients once they are ready.
   */
  async reconcile(rev: number, world: World, plan: DeployPlan): Promise<void> {
    if (this.stopping) throw new Error(`the deployment of world "${this.worldId}" is stopping`);
    const layout = redeployLayout([...this.processes.values()], world, plan);
    const freshIds = new Set(layout.fresh);
    const ports = layout.ports(await allocatePorts(layout.needed, this.options.host));
    // only what this redeploy starts or restarts reports progress; kept processes run on untouched
    this.progress.begin(rev, layout.fresh.length);
    // Fresh identities from the CA in use now (it may have been rotated since the deployment started), issued
    // while the processes that end are stopping.
    const issuing = provision({
      ca: this.identities.currentCa,
      worldId: this.worldId,
      world,
      ids: layout.fresh,
      dir: this.options.dir,
      issued: (id, facts) => this.progress.issued(id, facts),
    });
    const identities = new Map<string, SpawnConfig['identity']>();
    for (const s of world.services) {
      if (freshIds.has(s.id)) continue;
      const old = this.processes.get(s.id);
      if (!old) throw new Error(`no running process of "${s.id}" to keep, scale or restart`);
      identities.set(s.id, old.config.identity);
    }
    // Before anything stops, callers stop calling the copies that go away for good.
    const goneUrls = new Set([...layout.gonePorts].map((port) => `https://${this.hostPart}:${port}`));
    await this.announcer.withdraw(this.processes.values(), layout.ending, goneUrls);
    const results = await Promise.allSettled(layout.ending.map((p) => p.stop()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(
      plan.stop.flatMap((id) => [`${id}.key`, `${id}.crt`].map((f) => rm(join(this.options.dir, f), { force: true }))),
    );
    for (const [id, identity] of (await issuing).identities) identities.set(id, identity);
    const configs = spawnConfigs({
      worldId: this.worldId,
      rev,
      world,
      host: this.options.host,
      ports,
      identities,
      telemetry: {
        url: this.options.telemetryUrl,
        token: this.intake.token,
        intervalMs: this.options.telemetryIntervalMs,
      },
      dataDirOf: this.options.dataDirOf,
    });
    const processes = new Map<string, ServiceProcess>();
    const added: ServiceProcess[] = [];
    const peersOf = new Map<ServiceProcess, SpawnConfig['peers']>();
    for (const config of configs) {
      const key = processKey(config.serviceId, config.replica);
      const old = this.processes.get(key);
      if (old && !freshIds.has(config.serviceId) && !layout.ending.includes(old)) {
        old.restartPolicy = restartPolicyOf(world, config.serviceId);
        peersOf.set(old, config.peers);
        processes.set(key, old);
      } else {
        const process = this.newProcess(config, world);
        processes.set(key, process);
        if (!freshIds.has(config.serviceId)) added.push(process);
      }
    }
    this.rev = rev;
    this.world = world;
    this.identities.useWorld(world);
    this.processes = processes;
    this.faults.reconciled();
    this.intake.restart(rev, world);
    this.allReadyAt = null;
    this.launchedAt = Date.now();
    this.progress.follow(layout.fresh);
    // A scaled-down service's copies are gone from its status now.
    for (const { id } of plan.scale) {
      const first = processes.get(id);
      if (first) this.options.events.emit('status', this.statusEvent(first));
    }
    const starting = [...processes.values()].filter((p) => (freshIds.has(p.id) || added.includes(p)) && !startsLate(p));
    this.startOrder.begin(starting);
    this.announcer.announceWhenReady(starting, peersOf);
    if ([...processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = this.launchedAt;
  }

  private get hostPart(): string {
    return this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
  }

  /** The controller's identity in this world right now (it is renewed and rotated with everyone's). */
  get controller(): TlsIdentity {
    return this.identities.controller;
  }

  /** Renews every leaf now (it also happens at about two thirds of the leaf lifetime). */
  renewIdentities(): Promise<IdentityRoll> {
    return this.identities.renew();
  }

  /** Rotates the world's CA with an overlap; traffic keeps flowing. */
  rotateCa(): Promise<IdentityRoll> {
    return this.identities.rotateCa();
  }

  /** Spawns the services, and the clients once every service is ready (start-order.ts); frames begin. */
  launch(): void {
    this.launchedAt = Date.now();
    this.identities.scheduleRenewal();
    this.startOrder.begin([...this.processes.values()].filter((p) => !startsLate(p)));
    this.intake.startFrames(
      this.options.frameIntervalMs,
      (frame) => this.options.events.emit('frame', frame),
      (id) => this.stateOf(id),
    );
    if (this.processes.size === 0) this.allReadyAt = this.launchedAt;
  }

  /** Services with a copy that does not run and will not come back by itself (crashed, stopped): a deploy starts them. */
  downServices(): Set<string> {
    const down = new Set<string>();
    for (const p of this.processes.values()) if (p.state === 'crashed' || p.state === 'stopped') down.add(p.id);
    return down;
  }

  /** The service's state: of its process, or combinedState of its copies. */
  stateOf(serviceId: string): ServiceState {
    return combinedState(this.replicasOf(serviceId).map((p) => p.state));
  }

  private changed(process: ServiceProcess): void {
    this.progress.changed(process); // first: what follows may start clients, whose steps come after this one
    this.faults.processChanged(process);
    if (process.state === 'ready' && this.allReadyAt === null) {
      if ([...this.processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = Date.now();
    }
    this.announcer.check();
    this.options.events.emit('status', this.statusEvent(process));
    // last: what it starts now (a caller once this callee is ready) is told after this change
    this.startOrder.changed(process);
  }

  /** The status of the service `process` is a copy of, with every copy when it runs more than once. */
  statusEvent(process: ServiceProcess): ServiceStatusEvent {
    return statusEvent(this.worldId, this.rev, process, this.replicasOf(process.id));
  }

  /** The lines a service's process wrote that are still kept (stdout and stderr merged by time), oldest first. */
  logsOf(serviceId: string): ServiceLogLine[] | undefined {
    const copies = this.replicasOf(serviceId);
    if (copies.length === 0) return undefined;
    const of = (p: ServiceProcess, stream: 'stdout' | 'stderr') =>
      p[stream].entries().map(({ line, at }) => ({ worldId: this.worldId, id: p.id, stream, line, at }));
    return copies.flatMap((p) => [...of(p, 'stdout'), ...of(p, 'stderr')]).sort((a, b) => a.at - b.at);
  }

  /** One per service. */
  statusEvents(): ServiceStatusEvent[] {
    return [...this.processes.values()].filter((p) => p.replica === 1).map((p) => this.statusEvent(p));
  }

  status(): DeployStatus {
    return {
      rev: this.rev,
      services: [...this.processes.values()]
        .filter((p) => p.replica === 1)
        .map((p) => serviceStatus(p.id, this.replicasOf(p.id))),
    };
  }

  tokenMatches(token: string): boolean {
    return this.intake.tokenMatches(token);
  }

  /** Takes a batch whose token matched (telemetry-intake.ts says which count). */
  ingest(batch: TelemetryBatch): IngestResult {
    if (this.stopping) return 'stale';
    const result = this.intake.ingest(batch, this.processes);
    if (result === 'accepted' && batch.spans?.length) {
      this.options.events.emit('spans', { worldId: this.worldId, spans: batch.spans });
    }
    return result;
  }

  /** Ends every process (SIGTERM, SIGKILL after ~1 s) and removes the identities; resolves when all are gone. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.identities.stop();
      this.intake.stop();
      this.startOrder.stop();
      this.announcer.stop();
      const results = await Promise.allSettled([...this.processes.values()].map((p) => p.stop()));
      await rm(this.options.dir, { recursive: true, force: true });
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    })();
    return this.stopping;
  }

  /** Synchronous last resort when the controller exits: SIGKILL everything, remove the keys. */
  killAllSync(): void {
    this.identities.stop();
    this.intake.stop();
    this.startOrder.stop();
    this.announcer.stop();
    for (const service of this.processes.values()) service.killNow();
    rmSync(this.options.dir, { recursive: true, force: true });
  }
}
