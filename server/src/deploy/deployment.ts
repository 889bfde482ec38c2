// One deployed revision of one world: its identities, its processes, its telemetry secret and its traffic.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCertificate, type KeyPairPem } from '@dw/pki';
import {
  type DeployPlan,
  type DeployProgressEvent,
  type DeployStatus,
  type DeployStep,
  type FaultList,
  type Identity,
  type IdentityRoll,
  type IntruderIdentity,
  type IntruderMode,
  leafLifetimeMsOf,
  type RestartPolicy,
  type ServiceLogLine,
  type ServiceState,
  type ServiceStatusEvent,
  type SpawnConfig,
  type TelemetryBatch,
  type TrafficFrame,
  type World,
} from '@dw/world';
import { TrafficAggregator } from '../traffic/aggregator.js';
import { DeliveredBatches } from '../traffic/delivered-batches.js';
import { TraceStore } from '../traffic/trace-store.js';
import { FaultInjector } from './fault-injector.js';
import { issueDeploymentIdentities, issueIntruderIdentity, loadOrCreateCA } from './identities.js';
import { IdentityKeeper } from './identity-roll.js';
import { mtlsGetJson, type TlsIdentity } from './mtls.js';
import { spawnConfigs } from './plan.js';
import { allocatePorts } from './ports.js';
import { ServiceProcess } from './service-process.js';

const HEALTH_POLL_MS = 250;
const HEALTH_POLL_FOR_MS = 30_000;
/** Clients start once every service is ready, or after this long whatever the services do. */
const CLIENTS_WAIT_AT_MOST_MS = 10_000;

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
  telemetryUrl: string;
  telemetryIntervalMs: number;
  frameIntervalMs: number;
  host: string;
  onStatus: (event: ServiceStatusEvent) => void;
  onFrame: (frame: TrafficFrame) => void;
  /** Every change of the faults in force. */
  onFaults?: (faults: FaultList) => void;
  /** Every service pid spawned (alive) or gone, for the guardian. */
  onPid?: (pid: number, alive: boolean) => void;
  onFaultPushFailed?: (serviceId: string, message: string) => void;
  onLog?: (line: ServiceLogLine) => void;
  /** Each step of each service this deployment starts (deploy:progress). */
  onProgress?: (event: DeployProgressEvent) => void;
  /** Something went wrong in the background (an automatic renewal); for the log. */
  onError?: (error: Error) => void;
}

function restartPolicyOf(world: World, serviceId: string): RestartPolicy | undefined {
  const node = world.services.find((s) => s.id === serviceId);
  return node && node.kind !== 'intruder' ? node.restart : undefined;
}

export type IngestResult = 'accepted' | 'stale' | 'duplicate';

type StepFacts = Pick<DeployProgressEvent, 'serial' | 'notAfter' | 'detail'>;

/** What the identity-issued step says about a new leaf (or that there is none, for a no-cert intruder). */
function leafFacts(certPem: string | null): StepFacts {
  if (certPem === null) return { detail: 'no certificate: this intruder presents none' };
  const { serial, notAfter } = describeCertificate(certPem);
  return { serial, notAfter };
}

/** Issues an intruder's credential and reports its identity-issued step. */
async function issueIntruder(
  ca: KeyPairPem,
  worldId: string,
  intruder: { id: string; mode: IntruderMode },
  dir: string,
  issued: (serviceId: string, facts: StepFacts) => void,
): Promise<IntruderIdentity> {
  const identity = await issueIntruderIdentity(ca, worldId, intruder, dir);
  issued(intruder.id, leafFacts(identity.certFile ? await readFile(identity.certFile, 'utf8') : null));
  return identity;
}

/**
 * Clients and attacking intruders only call: they start once every service listens. An impostor serves (in
 * another's name), so it starts with the services.
 */
function isTrafficSource(process: ServiceProcess): boolean {
  const config = process.config;
  return config.kind === 'client' || (config.kind === 'intruder' && config.behaviour.mode !== 'impostor');
}

export class Deployment {
  readonly worldId: string;
  /** The revision deployed last; kept processes may have been started by an earlier one. */
  rev: number;
  world: World;
  processes = new Map<string, ServiceProcess>();
  /** Faults in force: runtime state of the processes, never a redeploy. */
  readonly faults: FaultInjector;
  /** Read by /metrics; replaced when a redeploy changes the world. */
  aggregator: TrafficAggregator;
  /** Recent sampled traces of this deployment. */
  readonly traces = new TraceStore();
  private frameTimer: NodeJS.Timeout | undefined;
  private clientTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** When the processes were spawned, and when the last one became ready (ms since epoch). */
  launchedAt = 0;
  allReadyAt: number | null = null;

  private readonly identities: IdentityKeeper;
  /** The last telemetry seq counted per process; how many copies were not counted again. */
  readonly delivered = new DeliveredBatches();
  /** Services of the latest deploy that have not reached ready yet, and the last step each reported. */
  private progressing = new Map<string, DeployStep>();
  /** How many services the latest deploy started. */
  private progressOf = 0;

  private constructor(
    private readonly options: DeploymentOptions,
    private readonly token: string,
    controller: TlsIdentity,
    ca: KeyPairPem,
    configs: SpawnConfig[],
  ) {
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
    });
    this.worldId = options.worldId;
    this.rev = options.rev;
    this.world = options.world;
    this.aggregator = new TrafficAggregator(options.worldId, options.rev, options.world);
    this.faults = new FaultInjector({
      worldId: options.worldId,
      world: () => this.world,
      host: options.host,
      processes: () => this.processes,
      controller: () => this.controller,
      onChange: (list) => options.onFaults?.(list),
      onPushFailed: options.onFaultPushFailed,
    });
    for (const config of configs) this.processes.set(config.serviceId, this.newProcess(config, options.world));
    for (const config of configs) this.progressing.set(config.serviceId, 'identity-issued');
    this.progressOf = configs.length;
  }

  /** Reports one service's step of the deploy of `rev`. */
  private static report(
    options: DeploymentOptions,
    deploy: { rev: number; of: number },
    id: string,
    step: DeployStep,
    facts: StepFacts = {},
  ): void {
    options.onProgress?.({ worldId: options.worldId, ...deploy, id, step, at: Date.now(), ...facts });
  }

  /** The step a process of the latest deploy has reached, reported once each; ready ends its progress. */
  private reportStep(process: ServiceProcess): void {
    const last = this.progressing.get(process.id);
    if (last === undefined) return;
    if (process.state === 'stopped') {
      this.progressing.delete(process.id);
      return;
    }
    const step: DeployStep | null =
      process.state === 'ready' || process.state === 'crashed'
        ? process.state
        : process.state === 'starting' || process.state === 'restarting'
          ? 'starting'
          : null; // paused: no step of its own
    if (step === null || step === last) return;
    if (step === 'ready') this.progressing.delete(process.id);
    else this.progressing.set(process.id, step);
    const facts: StepFacts = step === 'crashed' && process.detail !== undefined ? { detail: process.detail } : {};
    Deployment.report(this.options, { rev: this.rev, of: this.progressOf }, process.id, step, facts);
  }

  /** A supervised process: its restart policy, the faults in force at each start, its pid told to the guardian. */
  private newProcess(config: SpawnConfig, world: World): ServiceProcess {
    return new ServiceProcess({
      config,
      runtime: this.options.runtime,
      onChange: (p) => this.changed(p),
      restart: restartPolicyOf(world, config.serviceId),
      startConfig: () => ({ faults: this.faults.runtimeFor(config.serviceId) }),
      onPid: this.options.onPid,
      onLine: (p, stream, line, at) => this.options.onLog?.({ worldId: this.worldId, id: p.id, stream, line, at }),
    });
  }

  /** Issues identities, allocates ports and plans every spawn config; nothing runs yet. */
  static async prepare(options: DeploymentOptions): Promise<Deployment> {
    const ids = options.world.services.map((s) => s.id);
    try {
      const ca = await loadOrCreateCA(options.caDir, options.worldId);
      const members = options.world.services.filter((s) => s.kind !== 'intruder').map((s) => s.id);
      const issued = (id: string, facts: StepFacts) =>
        Deployment.report(options, { rev: options.rev, of: ids.length }, id, 'identity-issued', facts);
      const identities = await issueDeploymentIdentities(
        ca,
        options.worldId,
        members,
        options.dir,
        leafLifetimeMsOf(options.world),
        (id, certPem) => issued(id, leafFacts(certPem)),
      );
      const all = new Map<string, Identity | IntruderIdentity>(identities.services);
      for (const s of options.world.services) {
        if (s.kind !== 'intruder') continue;
        all.set(s.id, await issueIntruder(ca, options.worldId, { id: s.id, mode: s.config.mode }, options.dir, issued));
      }
      const ports = await allocatePorts(ids.length, options.host);
      const token = randomBytes(24).toString('base64url');
      const configs = spawnConfigs({
        worldId: options.worldId,
        rev: options.rev,
        world: options.world,
        host: options.host,
        ports: new Map(ids.map((id, i) => [id, ports[i] as number])),
        identities: all,
        telemetry: { url: options.telemetryUrl, token, intervalMs: options.telemetryIntervalMs },
      });
      return new Deployment(options, token, identities.controller, ca, configs);
    } catch (error) {
      await rm(options.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Turns this deployment into `world` at `rev` following `plan` (from redeployPlan): kept processes keep running
   * (same pid, same identity), restarted ones end and start again on their old port with a fresh leaf, stopped
   * ones end, started ones get a new port and leaf. Services start first, new clients once they are ready.
   */
  async reconcile(rev: number, world: World, plan: DeployPlan): Promise<void> {
    if (this.stopping) throw new Error(`the deployment of world "${this.worldId}" is stopping`);
    const ending = [...plan.stop, ...plan.restart]
      .map((id) => this.processes.get(id))
      .filter((p): p is ServiceProcess => p !== undefined);
    const results = await Promise.allSettled(ending.map((p) => p.stop()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(
      plan.stop.flatMap((id) => [`${id}.key`, `${id}.crt`].map((f) => rm(join(this.options.dir, f), { force: true }))),
    );
    const fresh = [...plan.start, ...plan.restart];
    // Fresh leaves from the CA in use now (it may have been rotated since the deployment started).
    const ca = this.identities.currentCa;
    const freshMembers = fresh.filter((id) => world.services.find((s) => s.id === id)?.kind !== 'intruder');
    // only what this redeploy starts or restarts reports progress; kept processes run on untouched
    this.progressing = new Map();
    const reportIssued = (id: string, facts: StepFacts) =>
      Deployment.report(this.options, { rev, of: fresh.length }, id, 'identity-issued', facts);
    const issued = await issueDeploymentIdentities(
      ca,
      this.worldId,
      freshMembers,
      this.options.dir,
      leafLifetimeMsOf(world),
      (id, certPem) => reportIssued(id, leafFacts(certPem)),
    );
    const newPorts = await allocatePorts(plan.start.length, this.options.host);
    const ports = new Map<string, number>();
    const identities = new Map<string, Identity | IntruderIdentity>(issued.services);
    for (const s of world.services) {
      if (s.kind !== 'intruder' || !fresh.includes(s.id)) continue;
      identities.set(
        s.id,
        await issueIntruder(ca, this.worldId, { id: s.id, mode: s.config.mode }, this.options.dir, reportIssued),
      );
    }
    for (const id of [...plan.keep, ...plan.restart]) {
      const old = this.processes.get(id);
      if (!old) throw new Error(`no running process of "${id}" to keep or restart`);
      ports.set(id, old.port);
      if (!identities.has(id)) identities.set(id, old.config.identity);
    }
    for (const [i, id] of plan.start.entries()) ports.set(id, newPorts[i] as number);
    const configs = spawnConfigs({
      worldId: this.worldId,
      rev,
      world,
      host: this.options.host,
      ports,
      identities,
      telemetry: { url: this.options.telemetryUrl, token: this.token, intervalMs: this.options.telemetryIntervalMs },
    });
    const freshIds = new Set(fresh);
    const processes = new Map<string, ServiceProcess>();
    for (const config of configs) {
      const kept = this.processes.get(config.serviceId);
      const keep = kept && !freshIds.has(config.serviceId);
      if (keep) kept.restartPolicy = restartPolicyOf(world, config.serviceId);
      processes.set(config.serviceId, keep ? kept : this.newProcess(config, world));
    }
    this.rev = rev;
    this.world = world;
    this.identities.useWorld(world);
    this.processes = processes;
    this.faults.reconciled();
    this.aggregator = new TrafficAggregator(this.worldId, rev, world);
    this.allReadyAt = null;
    this.launchedAt = Date.now();
    for (const id of fresh) this.progressing.set(id, 'identity-issued');
    this.progressOf = fresh.length;
    for (const id of fresh) {
      const p = processes.get(id);
      if (p && p.kind !== 'client') p.start();
    }
    clearTimeout(this.clientTimer);
    this.clientTimer = setTimeout(() => this.startClients(), CLIENTS_WAIT_AT_MOST_MS);
    this.clientTimer.unref();
    this.startClientsIfServicesReady();
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => this.pollHealth(), HEALTH_POLL_MS);
    this.healthTimer.unref();
    if ([...processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = this.launchedAt;
  }

  /**
   * Spawns the services, and the clients once every service is ready (or has given up starting): clients are
   * the only source of traffic, so no request of a new deployment meets a callee that is not listening yet.
   */
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

  launch(): void {
    this.launchedAt = Date.now();
    this.identities.scheduleRenewal();
    for (const service of this.processes.values()) if (!isTrafficSource(service)) service.start();
    this.clientTimer = setTimeout(() => this.startClients(), CLIENTS_WAIT_AT_MOST_MS);
    this.clientTimer.unref();
    this.startClientsIfServicesReady();
    this.frameTimer = setInterval(() => this.emitFrame(), this.options.frameIntervalMs);
    this.frameTimer.unref();
    this.healthTimer = setInterval(() => this.pollHealth(), HEALTH_POLL_MS);
    this.healthTimer.unref();
    if (this.processes.size === 0) this.allReadyAt = this.launchedAt;
  }

  private emitFrame(): void {
    this.options.onFrame(this.aggregator.frame(Date.now(), (id) => this.stateOf(id)));
  }

  stateOf(serviceId: string): ServiceState {
    return this.processes.get(serviceId)?.state ?? 'stopped';
  }

  private readonly probing = new Set<string>();

  /** A fallback to the first ready batch: a service that answers /_dw/health is ready. */
  private pollHealth(): void {
    const starting = [...this.processes.values()].filter((p) => p.state === 'starting' && p.alive);
    if (starting.length === 0 || Date.now() - this.launchedAt > HEALTH_POLL_FOR_MS) {
      clearInterval(this.healthTimer);
      return;
    }
    for (const p of starting) {
      if (this.probing.has(p.id)) continue;
      this.probing.add(p.id);
      mtlsGetJson({ host: this.options.host, port: p.port, serviceId: p.id }, '/_dw/health', this.controller, 1000)
        .then((answer) => {
          if (answer.status === 200) p.markReady();
        })
        .catch(() => {}) // not listening yet
        .finally(() => this.probing.delete(p.id));
    }
  }

  private startClientsIfServicesReady(): void {
    const services = [...this.processes.values()].filter((p) => !isTrafficSource(p));
    if (services.every((p) => p.state !== 'starting')) this.startClients();
  }

  private startClients(): void {
    clearTimeout(this.clientTimer);
    if (this.stopping) return;
    for (const p of this.processes.values()) if (isTrafficSource(p) && !p.started) p.start();
  }

  private changed(process: ServiceProcess): void {
    this.reportStep(process); // first: what follows may start clients, whose steps come after this one
    this.faults.processChanged(process);
    if (!isTrafficSource(process) && process.state !== 'starting') this.startClientsIfServicesReady();
    if (process.state === 'ready' && this.allReadyAt === null) {
      if ([...this.processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = Date.now();
    }
    this.options.onStatus(this.statusEvent(process));
  }

  statusEvent(process: ServiceProcess): ServiceStatusEvent {
    const event: ServiceStatusEvent = {
      worldId: this.worldId,
      rev: this.rev,
      id: process.id,
      state: process.state,
      pid: process.state === 'stopped' ? null : process.pid,
      port: process.state === 'stopped' ? null : process.port,
    };
    if (process.detail !== undefined) event.detail = process.detail;
    return event;
  }

  /** The lines a service's process wrote that are still kept (stdout and stderr merged by time), oldest first. */
  logsOf(serviceId: string): ServiceLogLine[] | undefined {
    const p = this.processes.get(serviceId);
    if (!p) return undefined;
    const of = (stream: 'stdout' | 'stderr') =>
      p[stream].entries().map(({ line, at }) => ({ worldId: this.worldId, id: p.id, stream, line, at }));
    return [...of('stdout'), ...of('stderr')].sort((a, b) => a.at - b.at);
  }

  statusEvents(): ServiceStatusEvent[] {
    return [...this.processes.values()].map((p) => this.statusEvent(p));
  }

  status(): DeployStatus {
    return {
      rev: this.rev,
      services: [...this.processes.values()].map((p) => ({
        id: p.id,
        state: p.state,
        pid: p.state === 'stopped' ? null : p.pid,
        port: p.state === 'stopped' ? null : p.port,
      })),
    };
  }

  tokenMatches(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Takes a batch whose token matched; batches of other revisions or of replaced processes are ignored, and so is
   * a batch sent again after a delivery that timed out but arrived (each process's seq is counted once).
   */
  ingest(batch: TelemetryBatch): IngestResult {
    if (this.stopping) return 'stale';
    const process = this.processes.get(batch.serviceId);
    // A kept process reports the revision it was started with.
    if (!process || process.config.rev !== batch.rev || process.pid !== batch.pid || !process.alive) return 'stale';
    if (!this.delivered.firstTime(batch)) return 'duplicate';
    if (batch.ready) process.markReady();
    this.aggregator.ingest(batch);
    if (batch.spans) this.traces.add(batch.serviceId, batch.spans);
    return 'accepted';
  }

  /** Ends every process (SIGTERM, SIGKILL after ~1 s) and removes the identities; resolves when all are gone. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.identities.stop();
      clearInterval(this.frameTimer);
      clearInterval(this.healthTimer);
      clearTimeout(this.clientTimer);
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
    clearTimeout(this.clientTimer);
    clearInterval(this.frameTimer);
    clearInterval(this.healthTimer);
    for (const service of this.processes.values()) service.killNow();
    rmSync(this.options.dir, { recursive: true, force: true });
  }
}
