// Deploys and stops worlds. Deploys of one world run one at a time, in order (a per-world queue); different
// worlds deploy at once. A deploy runs the world as it was SAVED when the deploy was asked for (a revision given
// with it must be the latest: 409 stale-revision otherwise). What a deploy does is deployDecision's (@dw/world),
// the same pure plan the preview shows. Events of every deployment go out on one typed bus (`events`).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  type DeployPreview,
  type DeployProgressEvent,
  type DeployStatus,
  deployDecision,
  describePlan,
  type FaultList,
  isDurable,
  type ObserveConfig,
  ownCodeOf,
  type ProcessBudget,
  processCountOf,
  type ServiceStatusEvent,
  type World,
} from '@dw/world';
import type { FastifyBaseLogger } from 'fastify';
import { ObservedDeployment } from '../compose/observed-deployment.js';
import { KeyedQueue } from '../concurrency/keyed-queue.js';
import { HttpProblem } from '../http/errors.js';
import { ensurePrivateDir } from '../storage/atomic-write.js';
import type { WorldStore } from '../worlds/world-store.js';
import { deployEventBus } from './deploy-events.js';
import type { DeployedRecord } from './deployed-record.js';
import { Deployment } from './deployment.js';
import type { Guardian } from './guardian.js';
import { budgetFor, overBudget } from './process-budget.js';

export const TELEMETRY_INTERVAL_MS = 100;

export interface DeployerOptions {
  store: WorldStore;
  log: FastifyBaseLogger;
  /** The service runtime bundle; resolved from @dw/services/main when not given. */
  runtimePath?: string;
  /** Where services POST telemetry, e.g. http://127.0.0.1:4400/api/telemetry. Asked at each deploy. */
  telemetryUrl: () => string;
  host?: string;
  frameIntervalMs: number;
  /** Which worlds are deployed, for resuming them at the next start. */
  record?: DeployedRecord;
  /** Kills the service processes if the controller dies, paused ones included. */
  guardian?: Guardian;
  /** How many processes every world together may run (process-budget.ts). */
  maxProcesses: number;
  /** The niceness of a large world's services (service-priority.ts); default DEFAULT_SERVICE_NICENESS. */
  serviceNiceness?: number;
  /**
   * It may deploy worlds that run the person's own code (a service's handler, a process node's command): false
   * in remote mode unless the controller was started with DW_ALLOW_CODE=1. Default true.
   */
  ownCode?: boolean;
}

/** The path of services/dist/main.js, or a 503 that says how to build it. */
export function resolveServiceRuntime(explicit?: string): string {
  let path = explicit;
  if (!path) {
    try {
      path = createRequire(import.meta.url).resolve('@dw/services/main');
    } catch {
      path = undefined;
    }
  }
  if (!path || !existsSync(path)) {
    throw new HttpProblem(
      503,
      'runtime-missing',
      'the service runtime is not built (services/dist/main.js is missing): run `npm run build`',
    );
  }
  return path;
}

export class Deployer {
  private readonly deployments = new Map<string, Deployment>();
  /** Worlds that run elsewhere (compose) and are only watched through their telemetry. */
  private readonly observed = new Map<string, ObservedDeployment>();
  private readonly queue = new KeyedQueue();
  /**
   * Every deployment's status, progress, frames, faults and log lines, by name (deploy-events.ts): the socket
   * plugin, the scenario runner and "find the limit" subscribe here.
   */
  readonly events = deployEventBus();
  /** Per world, the latest deploy's last step of each service it started (for watchers that arrive later). */
  private readonly progress = new Map<string, { rev: number; steps: Map<string, DeployProgressEvent> }>();
  /** Deploys asked for and not yet running (answered as starting), and the last one that failed. */
  private readonly pending = new Map<string, { rev: number; world: World }>();
  private readonly failed = new Map<string, { world: World; detail: string }>();
  /**
   * The processes of each deploy asked for and not yet launched (or failed), per world: until then the world
   * holds the larger of what runs and what it asked for against the process budget.
   */
  private readonly queued = new Map<string, Set<{ processes: number }>>();
  private sequence = 0;
  private closed = false;

  constructor(private readonly options: DeployerOptions) {
    // Subscribed before anyone else: a watcher that hears of a step finds it among progressEvents() already.
    this.events.on('progress', (event) => this.keepProgress(event));
  }

  /** The last step of each service the world's latest deploy started, for a new watcher. */
  progressEvents(worldId: string): DeployProgressEvent[] {
    return [...(this.progress.get(worldId)?.steps.values() ?? [])];
  }

  private keepProgress(event: DeployProgressEvent): void {
    let latest = this.progress.get(event.worldId);
    if (!latest || latest.rev !== event.rev) {
      latest = { rev: event.rev, steps: new Map() };
      this.progress.set(event.worldId, latest);
    }
    latest.steps.set(event.id, event);
  }

  /** The faults in force on a world (none when it is not deployed). */
  faultList(worldId: string): FaultList {
    return this.deployments.get(worldId)?.faults.list() ?? { worldId, faults: [] };
  }

  /** Deploys again every world the record lists that still exists; the others leave the record. */
  async resume(): Promise<string[]> {
    const record = this.options.record;
    if (!record) return [];
    const entries = await record.load((message) => this.options.log.warn(message));
    const resumed: string[] = [];
    for (const { worldId, rev } of entries) {
      const stored = this.options.store.get(worldId);
      if (!stored) {
        this.options.log.warn(`not resuming world "${worldId}": it no longer exists`);
        await record.unmark(worldId);
        continue;
      }
      const moved = stored.rev === rev ? '' : ` (rev ${rev} was deployed; the world has been saved since)`;
      try {
        this.deploy(worldId);
      } catch (error) {
        // e.g. over the process budget: it stays recorded, so a start with room for it resumes it
        this.options.log.warn(`not resuming world "${worldId}": ${(error as Error).message}`);
        continue;
      }
      this.options.log.info(`resuming world "${worldId}" at rev ${stored.rev}${moved}`);
      resumed.push(worldId);
    }
    return resumed;
  }

  /** Processes a world holds against the budget: what runs, or more while a deploy of it waits in its queue. */
  private held(worldId: string): number {
    const running = this.deployments.get(worldId);
    let held = running ? processCountOf(running.world) : 0;
    for (const request of this.queued.get(worldId) ?? []) held = Math.max(held, request.processes);
    return held;
  }

  /** The process budget as a deploy of `world` would meet it now. */
  budget(worldId: string, world: World): ProcessBudget {
    let others = 0;
    for (const id of new Set([...this.deployments.keys(), ...this.queued.keys()])) {
      if (id !== worldId) others += this.held(id);
    }
    return budgetFor(this.options.maxProcesses, others, this.held(worldId), processCountOf(world));
  }

  /**
   * Throws 403 own-code-refused when `world` runs code of the person's own (handlers, commands) and this
   * controller may not run it: in remote mode, anyone with the token could run anything as the controller's user.
   */
  assertOwnCodeAllowed(worldId: string, world: World): void {
    if (this.options.ownCode !== false) return;
    const own = ownCodeOf(world);
    if (own.length === 0) return;
    throw new HttpProblem(
      403,
      'own-code-refused',
      `world "${worldId}" runs code of its own (${own.map((o) => `"${o.id}": ${o.what}`).join(', ')}), and this controller is in remote mode: it runs such code only when started with DW_ALLOW_CODE=1, since the code runs as the controller's user`,
    );
  }

  /** Throws the 409 process-budget when a deploy of `world` would take the controller over its budget. */
  assertFits(worldId: string, world: World): void {
    const budget = this.budget(worldId, world);
    if (!budget.fits) throw overBudget(worldId, budget);
  }

  /**
   * What a deploy of `world` would do to what runs now (nothing is changed): deployDecision, the plan a deploy
   * applies. `rev` is the saved revision `world` is (null for a draft).
   */
  preview(worldId: string, world: World, rev: number | null): DeployPreview {
    this.options.store.require(worldId);
    const running = this.deployments.get(worldId);
    const { plan } = deployDecision(running?.world ?? null, world, running?.downServices());
    return {
      rev,
      deployedRev: running?.rev ?? null,
      plan,
      summary: describePlan(plan),
      budget: this.budget(worldId, world),
    };
  }

  /** The running deployment of a world, if any. */
  find(worldId: string): Deployment | undefined {
    return this.deployments.get(worldId);
  }

  /** Every running deployment. */
  all(): Deployment[] {
    return [...this.deployments.values()];
  }

  /** Watches a world that runs elsewhere: its state and traffic come from its telemetry alone. */
  observe(config: ObserveConfig): ObservedDeployment {
    const observed = new ObservedDeployment({
      config,
      frameIntervalMs: this.options.frameIntervalMs,
      onStatus: (event) => this.events.emit('status', event),
      onFrame: (frame) => this.events.emit('frame', frame),
    });
    this.observed.get(config.worldId)?.stop();
    this.observed.set(config.worldId, observed);
    observed.start();
    return observed;
  }

  findObserved(worldId: string): ObservedDeployment | undefined {
    return this.observed.get(worldId);
  }

  /** Runs `task` in the world's queue: after every deploy or stop asked for before it. */
  exclusive<T>(worldId: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(worldId, task);
  }

  /**
   * Queues a deploy of the world as saved now; answers its revision at once. `rev`, when given, is the revision
   * the caller means to deploy: one that is not the latest is refused (409 stale-revision, with the latest). A
   * world the process budget has no room for is refused here (409 process-budget), before anything is issued or
   * started.
   */
  deploy(worldId: string, options: { rev?: number } = {}): { rev: number; done: Promise<void> } {
    const stored = this.options.store.require(worldId);
    if (options.rev !== undefined && options.rev !== stored.rev) {
      const stale = new HttpProblem(
        409,
        'stale-revision',
        `world "${worldId}" is at rev ${stored.rev}, not rev ${options.rev}: look at what rev ${stored.rev} would do (its plan), then deploy it`,
      );
      stale.rev = stored.rev;
      throw stale;
    }
    if (this.closed) throw new HttpProblem(503, 'shutting-down', 'the controller is shutting down');
    this.assertOwnCodeAllowed(worldId, stored.world);
    const runtime = resolveServiceRuntime(this.options.runtimePath);
    const telemetryUrl = this.options.telemetryUrl();
    const { rev } = stored;
    const world = structuredClone(stored.world);
    this.assertFits(worldId, world);
    // Held against the budget from now until it launched or failed (no await since the check).
    const reservation = { processes: processCountOf(world) };
    const reservations = this.queued.get(worldId) ?? new Set();
    reservations.add(reservation);
    this.queued.set(worldId, reservations);
    const request = { rev, world };
    this.pending.set(worldId, request);
    const settle = () => {
      if (this.pending.get(worldId) === request) this.pending.delete(worldId);
      reservations.delete(reservation);
      if (reservations.size === 0 && this.queued.get(worldId) === reservations) this.queued.delete(worldId);
    };
    const done = this.exclusive(worldId, async () => {
      if (!this.options.store.get(worldId)) return; // deleted while queued
      this.failed.delete(worldId);
      await this.replace(worldId, rev, world, runtime, telemetryUrl);
      settle(); // launched: from now on the deployment answers for itself
    })
      .catch((error: unknown) => {
        const detail = `deploy failed: ${(error as Error).message}`;
        this.options.log.error(`deploy of world "${worldId}" rev ${rev} failed: ${(error as Error).message}`);
        this.failed.set(worldId, { world, detail });
        const at = Date.now();
        if (!this.deployments.has(worldId)) this.emitStopped(worldId);
        for (const service of world.services) {
          this.events.emit('progress', {
            worldId,
            rev,
            id: service.id,
            of: world.services.length,
            step: 'failed',
            at,
            detail,
          });
          this.events.emit('status', { worldId, rev, id: service.id, state: 'crashed', pid: null, port: null, detail });
        }
      })
      .finally(settle);
    return { rev, done };
  }

  private async replace(worldId: string, rev: number, world: World, runtime: string, telemetryUrl: string) {
    // The nodes that keep data get their directory (0700) before anything starts; it outlives this deploy.
    for (const node of world.services.filter(isDurable)) {
      await ensurePrivateDir(this.options.store.nodeDataDir(worldId, node.id));
    }
    const previous = this.deployments.get(worldId);
    // The plan the preview showed; a changed leaf lifetime applies to every identity: that redeploy replaces all.
    const { mode, plan } = deployDecision(previous?.world ?? null, world, previous?.downServices());
    if (previous && mode === 'in-place') {
      const started = Date.now();
      this.events.emit('deployed', { worldId, rev, world });
      try {
        await previous.reconcile(rev, world, plan);
      } catch (error) {
        await this.stopNow(worldId);
        throw error;
      }
      this.record(worldId, rev);
      this.options.log.info(
        `redeployed world "${worldId}" rev ${rev} (${describePlan(plan)}, ${plan.keep.length} kept) in ${Date.now() - started} ms`,
      );
      return;
    }
    if (previous) await this.stopNow(worldId);
    const started = Date.now();
    this.events.emit('deployed', { worldId, rev, world });
    const deployment = await Deployment.prepare({
      worldId,
      rev,
      world,
      runtime,
      dir: join(this.options.store.deploymentsDir, `${worldId}-r${rev}-${process.pid}-${++this.sequence}`),
      caDir: this.options.store.pkiDir(worldId),
      dataDirOf: (nodeId) => this.options.store.nodeDataDir(worldId, nodeId),
      telemetryUrl,
      telemetryIntervalMs: TELEMETRY_INTERVAL_MS,
      frameIntervalMs: this.options.frameIntervalMs,
      host: this.options.host ?? '127.0.0.1',
      events: this.events,
      onError: (error) => this.options.log.error(`world "${worldId}" rev ${rev}: ${error.message}`),
      serviceNiceness: this.options.serviceNiceness,
      onPid: this.options.guardian ? (pid, alive) => this.options.guardian?.track(pid, alive) : undefined,
      onFaultPushFailed: (serviceId, message) =>
        this.options.log.warn(`world "${worldId}": could not push faults to "${serviceId}" yet: ${message}`),
    });
    if (this.closed) {
      await deployment.stop();
      return;
    }
    this.deployments.set(worldId, deployment);
    deployment.launch();
    this.record(worldId, rev);
    this.options.log.info(
      `deploying world "${worldId}" rev ${rev}: ${plan.start.length} process(es), prepared in ${Date.now() - started} ms`,
    );
  }

  /** Notes the world as deployed at `rev`, for resuming it at the next start (in the background: a deploy never
   * waits for the disk). */
  private record(worldId: string, rev: number): void {
    void this.options.record
      ?.mark(worldId, rev)
      .catch((error: unknown) =>
        this.options.log.error(`could not record world "${worldId}" as deployed: ${(error as Error).message}`),
      );
  }

  /** Stops the world's deployment now; call it inside exclusive(). */
  async stopNow(worldId: string): Promise<void> {
    this.failed.delete(worldId);
    this.progress.delete(worldId);
    const deployment = this.deployments.get(worldId);
    if (!deployment) return;
    try {
      await deployment.stop();
    } finally {
      if (this.deployments.get(worldId) === deployment) this.deployments.delete(worldId);
      // its faults ended with its processes
      if (deployment.faults.list().faults.length > 0)
        this.events.emit('faults', { worldId, faults: [] } satisfies FaultList);
      this.emitStopped(worldId);
    }
    this.options.log.info(`stopped world "${worldId}" rev ${deployment.rev}`);
  }

  /** Its run ends (a listener that throws is logged, never keeps a stop from finishing). */
  private emitStopped(worldId: string): void {
    try {
      this.events.emit('stopped', { worldId });
    } catch (error) {
      this.options.log.error(`world "${worldId}": ${(error as Error).message}`);
    }
  }

  /** Stops the world's deployment after whatever is queued; answers the status once every process is gone. */
  async stop(worldId: string): Promise<DeployStatus> {
    this.options.store.require(worldId);
    await this.exclusive(worldId, async () => {
      await this.stopNow(worldId);
      await this.options.record
        ?.unmark(worldId)
        .catch((error: unknown) =>
          this.options.log.error(`could not record world "${worldId}" as stopped: ${(error as Error).message}`),
        );
    });
    return this.status(worldId);
  }

  /**
   * What runs. A deploy that was asked for and has not launched yet shows its services as starting; after a
   * failed deploy they show as crashed (rev null: nothing runs); when nothing runs, every saved service as stopped.
   */
  status(worldId: string): DeployStatus {
    const stored = this.options.store.require(worldId);
    const pending = this.pending.get(worldId);
    if (pending) {
      return {
        rev: pending.rev,
        services: pending.world.services.map((s) => ({ id: s.id, state: 'starting' as const, pid: null, port: null })),
      };
    }
    const deployment = this.deployments.get(worldId) ?? this.observed.get(worldId);
    if (deployment) return deployment.status();
    const failed = this.failed.get(worldId);
    const services = (failed?.world ?? stored.world).services;
    const state = failed ? ('crashed' as const) : ('stopped' as const);
    return { rev: null, services: services.map((s) => ({ id: s.id, state, pid: null, port: null })) };
  }

  /** The service:status events a new watcher receives. */
  statusEvents(worldId: string): ServiceStatusEvent[] {
    const deployment = this.deployments.get(worldId) ?? this.observed.get(worldId);
    if (deployment) return deployment.statusEvents();
    const stored = this.options.store.require(worldId);
    return stored.world.services.map((s) => ({
      worldId,
      rev: null,
      id: s.id,
      state: 'stopped' as const,
      pid: null,
      port: null,
    }));
  }

  /** Stops every deployment (each after its queued work); used when the controller closes. */
  async stopAll(): Promise<void> {
    this.closed = true;
    for (const observed of this.observed.values()) observed.stop();
    const ids = new Set([...this.deployments.keys()]);
    await Promise.allSettled([...ids].map((id) => this.exclusive(id, () => this.stopNow(id))));
    await this.queue.idle();
    // A deploy queued behind the stop may have started something: stop that too.
    await Promise.allSettled([...this.deployments.keys()].map((id) => this.stopNow(id)));
  }

  killAllSync(): void {
    for (const deployment of this.deployments.values()) deployment.killAllSync();
  }
}
