// One deployed revision of one world: its identities, its processes, its telemetry secret and its traffic.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCertificate, type KeyPairPem } from '@dw/pki';
import {
  type CredentialIdentity,
  combinedState,
  credentialOf,
  type DeployedService,
  type DeployPlan,
  type DeployProgressEvent,
  type DeployStatus,
  type DeployStep,
  type FaultList,
  type Identity,
  type IdentityRoll,
  isMember,
  isTrafficSource,
  leafLifetimeMsOf,
  type ReplicaStatus,
  replicasOf,
  restartOf,
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
import { issueCredential, issueDeploymentIdentities, loadOrCreateCA } from './identities.js';
import { IdentityKeeper } from './identity-roll.js';
import { mtlsGetJson, type TlsIdentity } from './mtls.js';
import { spawnConfigs } from './plan.js';
import { allocatePorts } from './ports.js';
import { processKey, ServiceProcess } from './service-process.js';

const HEALTH_POLL_MS = 250;
const HEALTH_POLL_FOR_MS = 30_000;
/** Clients start once every service is ready, or after this long whatever the services do. */
const CLIENTS_WAIT_AT_MOST_MS = 10_000;
/** Callers hear of new copies once those are ready, or after this long whatever they do. */
const ANNOUNCE_WAIT_AT_MOST_MS = 10_000;
/** Between telling callers a copy is going away and stopping it, so no new call is on its way to it. */
const UNANNOUNCE_GRACE_MS = 150;

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

function restartPolicyOf(world: World, serviceId: string) {
  const node = world.services.find((s) => s.id === serviceId);
  return node ? restartOf(node) : undefined;
}

export type IngestResult = 'accepted' | 'stale' | 'duplicate';

type StepFacts = Pick<DeployProgressEvent, 'serial' | 'notAfter' | 'detail'>;

/** What the identity-issued step says about a new leaf (or that there is none, for a no-cert intruder). */
function leafFacts(certPem: string | null): StepFacts {
  if (certPem === null) return { detail: 'no certificate: this intruder presents none' };
  const { serial, notAfter } = describeCertificate(certPem);
  return { serial, notAfter };
}

/** Issues the credential a node attacks with (an intruder's) and reports its identity-issued step. */
async function issueNodeCredential(
  ca: KeyPairPem,
  worldId: string,
  node: World['services'][number],
  dir: string,
  issued: (serviceId: string, facts: StepFacts) => void,
): Promise<CredentialIdentity> {
  const identity = await issueCredential(ca, worldId, { id: node.id, credential: credentialOf(node) }, dir);
  issued(node.id, leafFacts(identity.certFile ? await readFile(identity.certFile, 'utf8') : null));
  return identity;
}

function replicaStatus(p: ServiceProcess): ReplicaStatus {
  const gone = p.state === 'stopped';
  return { replica: p.replica, state: p.state, pid: gone ? null : p.pid, port: gone ? null : p.port };
}

function peerUrls(peer: SpawnConfig['peers'][number]): string[] {
  return [peer.url, ...(peer.alsoAt ?? [])];
}

function withUrls(peer: SpawnConfig['peers'][number], urls: string[]): SpawnConfig['peers'][number] {
  const { alsoAt: _, ...rest } = peer;
  const [url, ...others] = urls;
  return { ...rest, url: url ?? peer.url, ...(others.length > 0 ? { alsoAt: others } : {}) };
}

/**
 * Traffic sources (clients, attacking intruders) start once every node that serves listens; the others (an
 * impostor too: it serves in another's name) start first.
 */
function startsLate(process: ServiceProcess): boolean {
  return isTrafficSource({ kind: process.config.kind, config: process.config.behaviour });
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
    for (const config of configs) {
      this.processes.set(processKey(config.serviceId, config.replica), this.newProcess(config, options.world));
    }
    const ids = new Set(configs.map((c) => c.serviceId));
    for (const id of ids) this.progressing.set(id, 'identity-issued');
    this.progressOf = ids.size;
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

  /** The copies of one service, first to last (none when it is not deployed). */
  replicasOf(serviceId: string): ServiceProcess[] {
    return [...this.processes.values()].filter((p) => p.id === serviceId).sort((a, b) => a.replica - b.replica);
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
      const members = options.world.services.filter(isMember).map((s) => s.id);
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
      const all = new Map<string, Identity | CredentialIdentity>(identities.services);
      for (const s of options.world.services) {
        if (isMember(s)) continue;
        all.set(s.id, await issueNodeCredential(ca, options.worldId, s, options.dir, issued));
      }
      const counts = options.world.services.map((s) => replicasOf(s));
      const ports = await allocatePorts(
        counts.reduce((a, b) => a + b, 0),
        options.host,
      );
      const token = randomBytes(24).toString('base64url');
      const configs = spawnConfigs({
        worldId: options.worldId,
        rev: options.rev,
        world: options.world,
        host: options.host,
        ports: new Map(ids.map((id, i) => [id, ports.splice(0, counts[i] as number)])),
        identities: all,
        telemetry: { url: options.telemetryUrl, token, intervalMs: options.telemetryIntervalMs },
        dataDirOf: options.dataDirOf,
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
   * ones end, started ones get a new port and leaf. A scaled service keeps its first copies and starts or stops
   * the ones above: callers hear of a copy going away before it stops, and of a new one once it is ready (over
   * IPC, without a restart). Services start first, new clients once they are ready.
   */
  async reconcile(rev: number, world: World, plan: DeployPlan): Promise<void> {
    if (this.stopping) throw new Error(`the deployment of world "${this.worldId}" is stopping`);
    const fresh = [...plan.start, ...plan.restart];
    const freshIds = new Set(fresh);
    const wanted = new Map(world.services.map((s) => [s.id, replicasOf(s)]));
    // Ports: a restarted or scaled service keeps the ports of the copies it keeps; the others get new ones.
    const kept = (id: string) => (freshIds.has(id) && !plan.restart.includes(id) ? [] : this.replicasOf(id));
    const needed = world.services.reduce((n, s) => n + Math.max(0, (wanted.get(s.id) ?? 1) - kept(s.id).length), 0);
    const newPorts = await allocatePorts(needed, this.options.host);
    const ports = new Map<string, number[]>();
    for (const s of world.services) {
      const copies = kept(s.id)
        .slice(0, wanted.get(s.id))
        .map((p) => p.port);
      while (copies.length < (wanted.get(s.id) ?? 1)) copies.push(newPorts.shift() as number);
      ports.set(s.id, copies);
    }
    // Fresh leaves from the CA in use now (it may have been rotated since the deployment started).
    const ca = this.identities.currentCa;
    const freshMembers = fresh.filter((id) => {
      const node = world.services.find((s) => s.id === id);
      return node !== undefined && isMember(node);
    });
    // only what this redeploy starts or restarts reports progress; kept processes run on untouched
    this.progressing = new Map();
    const reportIssued = (id: string, facts: StepFacts) =>
      Deployment.report(this.options, { rev, of: fresh.length }, id, 'identity-issued', facts);
    const issuing = issueDeploymentIdentities(
      ca,
      this.worldId,
      freshMembers,
      this.options.dir,
      leafLifetimeMsOf(world),
      (id, certPem) => reportIssued(id, leafFacts(certPem)),
    );
    const identities = new Map<string, Identity | CredentialIdentity>();
    for (const s of world.services) {
      if (freshIds.has(s.id)) continue;
      const old = this.processes.get(s.id);
      if (!old) throw new Error(`no running process of "${s.id}" to keep, scale or restart`);
      identities.set(s.id, old.config.identity);
    }
    // What ends: every copy of a stopped or restarted service, and the copies above a scaled-down count.
    const ending = [...this.processes.values()].filter(
      (p) => plan.stop.includes(p.id) || plan.restart.includes(p.id) || p.replica > (wanted.get(p.id) ?? Infinity),
    );
    // Before anything stops, callers stop calling the copies that go away for good.
    const goneUrls = new Set(
      ending.filter((p) => p.replica > (wanted.get(p.id) ?? Infinity)).map((p) => `https://${this.hostPart}:${p.port}`),
    );
    if (goneUrls.size > 0) {
      for (const p of this.processes.values()) {
        if (ending.includes(p) || p.config.peers.every((peer) => !peerUrls(peer).some((u) => goneUrls.has(u)))) {
          continue;
        }
        p.updatePeers(
          p.config.peers.map((peer) =>
            withUrls(
              peer,
              peerUrls(peer).filter((u) => !goneUrls.has(u)),
            ),
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, UNANNOUNCE_GRACE_MS));
    }
    const results = await Promise.allSettled(ending.map((p) => p.stop()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(
      plan.stop.flatMap((id) => [`${id}.key`, `${id}.crt`].map((f) => rm(join(this.options.dir, f), { force: true }))),
    );
    const issued = await issuing;
    for (const [id, identity] of issued.services) identities.set(id, identity);
    for (const s of world.services) {
      if (isMember(s) || !freshIds.has(s.id)) continue;
      identities.set(s.id, await issueNodeCredential(ca, this.worldId, s, this.options.dir, reportIssued));
    }
    const configs = spawnConfigs({
      worldId: this.worldId,
      rev,
      world,
      host: this.options.host,
      ports,
      identities,
      telemetry: { url: this.options.telemetryUrl, token: this.token, intervalMs: this.options.telemetryIntervalMs },
      dataDirOf: this.options.dataDirOf,
    });
    const processes = new Map<string, ServiceProcess>();
    const added: ServiceProcess[] = [];
    const peersOf = new Map<ServiceProcess, SpawnConfig['peers']>();
    for (const config of configs) {
      const key = processKey(config.serviceId, config.replica);
      const old = this.processes.get(key);
      const keep = old && !freshIds.has(config.serviceId) && !ending.includes(old);
      if (keep) {
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
    this.aggregator = new TrafficAggregator(this.worldId, rev, world);
    this.allReadyAt = null;
    this.launchedAt = Date.now();
    for (const id of fresh) this.progressing.set(id, 'identity-issued');
    this.progressOf = fresh.length;
    // A scaled-down service's copies are gone from its status now.
    for (const { id } of plan.scale) {
      const first = processes.get(id);
      if (first) this.options.onStatus(this.statusEvent(first));
    }
    const starting = [...processes.values()].filter((p) => (freshIds.has(p.id) || added.includes(p)) && !startsLate(p));
    for (const p of starting) p.start();
    this.announceWhenReady(starting, peersOf);
    clearTimeout(this.clientTimer);
    this.clientTimer = setTimeout(() => this.startClients(), CLIENTS_WAIT_AT_MOST_MS);
    this.clientTimer.unref();
    this.startClientsIfServicesReady();
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => this.pollHealth(), HEALTH_POLL_MS);
    this.healthTimer.unref();
    if ([...processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = this.launchedAt;
  }

  private get hostPart(): string {
    return this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
  }

  private announceTimer: NodeJS.Timeout | undefined;
  private announcing: { waitFor: Set<ServiceProcess>; peersOf: Map<ServiceProcess, SpawnConfig['peers']> } | undefined;

  /**
   * Tells the kept processes their peers' addresses once the processes just started are ready (or after
   * ANNOUNCE_WAIT_AT_MOST_MS): a call never meets a copy that does not listen yet.
   */
  private announceWhenReady(started: ServiceProcess[], peersOf: Map<ServiceProcess, SpawnConfig['peers']>): void {
    clearTimeout(this.announceTimer);
    this.announcing = { waitFor: new Set(started), peersOf };
    this.announceTimer = setTimeout(() => this.announce(), ANNOUNCE_WAIT_AT_MOST_MS);
    this.announceTimer.unref();
    this.announceIfReady();
  }

  private announceIfReady(): void {
    const pending = this.announcing;
    if (!pending) return;
    for (const p of pending.waitFor) if (p.state !== 'starting' && p.state !== 'restarting') pending.waitFor.delete(p);
    if (pending.waitFor.size === 0) this.announce();
  }

  private announce(): void {
    clearTimeout(this.announceTimer);
    const pending = this.announcing;
    this.announcing = undefined;
    if (!pending) return;
    for (const [p, peers] of pending.peersOf) {
      if (this.processes.get(p.key) !== p || JSON.stringify(p.config.peers) === JSON.stringify(peers)) continue;
      p.updatePeers(peers);
    }
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
    for (const service of this.processes.values()) if (!startsLate(service)) service.start();
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

  /** The service's state: of its process, or combinedState of its copies. */
  stateOf(serviceId: string): ServiceState {
    return combinedState(this.replicasOf(serviceId).map((p) => p.state));
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
      if (this.probing.has(p.key)) continue;
      this.probing.add(p.key);
      mtlsGetJson({ host: this.options.host, port: p.port, serviceId: p.id }, '/_dw/health', this.controller, 1000)
        .then((answer) => {
          if (answer.status === 200) p.markReady();
        })
        .catch(() => {}) // not listening yet
        .finally(() => this.probing.delete(p.key));
    }
  }

  private startClientsIfServicesReady(): void {
    const services = [...this.processes.values()].filter((p) => !startsLate(p));
    if (services.every((p) => p.state !== 'starting')) this.startClients();
  }

  private startClients(): void {
    clearTimeout(this.clientTimer);
    if (this.stopping) return;
    for (const p of this.processes.values()) if (startsLate(p) && !p.started) p.start();
  }

  private changed(process: ServiceProcess): void {
    this.reportStep(process); // first: what follows may start clients, whose steps come after this one
    this.faults.processChanged(process);
    if (!startsLate(process) && process.state !== 'starting') this.startClientsIfServicesReady();
    if (process.state === 'ready' && this.allReadyAt === null) {
      if ([...this.processes.values()].every((p) => p.state === 'ready')) this.allReadyAt = Date.now();
    }
    this.announceIfReady();
    this.options.onStatus(this.statusEvent(process));
  }

  /** The status of the service `process` is a copy of, with every copy when it runs more than once. */
  statusEvent(process: ServiceProcess): ServiceStatusEvent {
    const { replicas: _, ...service } = this.serviceStatus(process.id);
    const event: ServiceStatusEvent = { worldId: this.worldId, rev: this.rev, ...service };
    const copies = this.replicasOf(process.id);
    if (copies.length > 1) event.replicas = copies.map(replicaStatus);
    if (process.detail !== undefined) {
      event.detail = copies.length > 1 ? `replica ${process.replica}: ${process.detail}` : process.detail;
    }
    return event;
  }

  private serviceStatus(serviceId: string): DeployedService {
    const copies = this.replicasOf(serviceId);
    const first = copies[0];
    const state = combinedState(copies.map((p) => p.state));
    const status: DeployedService = {
      id: serviceId,
      state,
      pid: !first || first.state === 'stopped' ? null : first.pid,
      port: !first || first.state === 'stopped' ? null : first.port,
    };
    if (copies.length > 1) status.replicas = copies.map(replicaStatus);
    return status;
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
      services: [...this.processes.values()].filter((p) => p.replica === 1).map((p) => this.serviceStatus(p.id)),
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
    const process = this.processes.get(processKey(batch.serviceId, batch.replica));
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
      clearTimeout(this.announceTimer);
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
