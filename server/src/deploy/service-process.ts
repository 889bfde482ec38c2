// One service process: spawned with plain `node` and its spawn config, tracked from start to exit, and
// supervised: starting -> ready (its service:ready message over IPC, or its first ready batch) -> crashed when it exits on its own, then by
// its restart policy restarting (a new pid) -> ready again; paused while SIGSTOPped; stopped after stop().
import { type ChildProcess, spawn } from 'node:child_process';
import {
  hostEnvironmentOf,
  type IdentityReload,
  IdentityReloaded,
  type Peer,
  type PeersUpdate,
  type RestartPolicy,
  ServiceReady,
  type ServiceState,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
} from '@dw/world';
import Value from 'typebox/value';
import { LineRing } from './line-ring.js';
import { lowerPriority } from './service-priority.js';
import { restartDelay, STABLE_AFTER_MS } from './supervisor-policy.js';

export const STOP_GRACE_MS = 1000;
/** After SIGKILL a process is gone within milliseconds; this bounds the wait if the OS says otherwise. */
const KILL_WAIT_MS = 3000;

export interface ServiceProcessOptions {
  config: SpawnConfig;
  /** Path of the service runtime bundle (services/dist/main.js). */
  runtime: string;
  onChange: (process: ServiceProcess) => void;
  /** What to do when it exits on its own (default "no", as in compose). */
  restart?: RestartPolicy;
  /** Fields merged over `config` at each start, e.g. the faults in force right now. */
  startConfig?: () => Partial<SpawnConfig>;
  /** Told of every pid spawned and every pid gone (the guardian kills the live ones if the controller dies). */
  onPid?: (pid: number, alive: boolean) => void;
  /** Every line the process writes, as it is kept. */
  onLine?: (process: ServiceProcess, stream: 'stdout' | 'stderr', line: string, at: number) => void;
  /** Its niceness from the start (service-priority.ts: a large world's services yield to the controller); 0: none. */
  niceness?: number;
  /** Options for node itself, before the runtime (service-priority.ts: a large world's WebAssembly compiler). */
  nodeOptions?: readonly string[];
}

/**
 * The whole environment of a service process, built on purpose rather than inherited: the controller's own
 * (DW_TOKEN, cloud credentials, whatever the shell exported) is none of a service's business. It holds one
 * variable, the spawn config, which is all the runtime reads (spawn adds NODE_CHANNEL_FD and
 * NODE_CHANNEL_SERIALIZATION_MODE for the IPC channel itself). Left out on purpose: PATH (node is spawned by its
 * absolute path, process.execPath, and the runtime spawns nothing), NODE_OPTIONS (the runtime is a plain bundle;
 * inherited loader hooks or --require would run foreign code in it), HOME, LANG and TZ (it reads no files of the
 * user's, formats nothing by locale and logs no local times). A kind whose facts name `hostEnvironment` (a
 * process node, whose program needs PATH to be found) gets those of the controller's variables too, and only those.
 */
export function serviceEnvironment(config: SpawnConfig, host: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // a kind that runs a program of the person's (a process node) passes these on to it: PATH finds the program
  for (const name of hostEnvironmentOf(config)) if (host[name] !== undefined) env[name] = host[name];
  env[SPAWN_CONFIG_ENV] = JSON.stringify(config);
  return env;
}

/** How a deployment names one process: the service id for its first copy, `id#n` for copy n (ids have no #). */
export function processKey(serviceId: string, replica = 1): string {
  return replica === 1 ? serviceId : `${serviceId}#${replica}`;
}

export class ServiceProcess {
  readonly id: string;
  /** Which copy of the service it is, from 1. */
  readonly replica: number;
  /** processKey(id, replica). */
  readonly key: string;
  readonly kind: SpawnConfig['kind'];
  readonly port: number;
  state: ServiceState = 'starting';
  pid: number | null = null;
  detail: string | undefined;
  readonly stdout: LineRing;
  readonly stderr: LineRing;
  private child: ChildProcess | null = null;
  private stopping = false;
  /** Set while `restart()` waits for the old process to exit: that exit is neither a crash nor a stop. */
  private restartingByHand = false;
  private resolveExited!: () => void;
  /** Resolves once the current process has exited (or never started). */
  exited = this.newLife();
  /** What to do when it exits on its own; a reconciling redeploy may change it for a kept process. */
  restartPolicy: RestartPolicy | undefined;
  /** Restarts done by the supervisor so far; `attempt` counts those since it last stayed up. */
  restarts = 0;
  private attempt = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The state to go back to when a pause ends. */
  private beforePause: ServiceState = 'ready';

  constructor(private readonly options: ServiceProcessOptions) {
    this.stdout = new LineRing(200, 1000, (line, at) => this.options.onLine?.(this, 'stdout', line, at));
    this.stderr = new LineRing(200, 1000, (line, at) => this.options.onLine?.(this, 'stderr', line, at));
    this.id = options.config.serviceId;
    this.replica = options.config.replica ?? 1;
    this.key = processKey(this.id, this.replica);
    this.restartPolicy = options.restart;
    this.kind = options.config.kind;
    this.port = options.config.listen.port;
  }

  /** The spawn config this process was started with (file paths and ids; no key material). */
  get config(): SpawnConfig {
    return this.options.config;
  }

  get started(): boolean {
    return this.child !== null;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  private newLife(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveExited = resolve;
    });
  }

  start(): void {
    if (this.stopping) return;
    clearTimeout(this.restartTimer); // started by hand while a restart was pending: once is enough
    const config = { ...this.options.config, ...this.options.startConfig?.() } as SpawnConfig;
    const child = spawn(process.execPath, [...(this.options.nodeOptions ?? []), this.options.runtime], {
      env: serviceEnvironment(config),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      windowsHide: true,
    });
    if (this.child !== null) {
      this.exited = this.newLife();
      this.state = 'restarting';
    }
    this.child = child;
    this.pid = child.pid ?? null;
    this.startedAt = Date.now();
    if (this.pid !== null) this.options.onPid?.(this.pid, true);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.stdout.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    const niceness = this.options.niceness ?? 0;
    const notLowered = this.pid === null ? undefined : lowerPriority(this.pid, niceness);
    if (notLowered !== undefined) this.stderr.push(`[controller] ${notLowered}\n`);
    // The channel makes the child die with us, says when it is ready, and carries identity reloads (renewal, CA
    // rotation).
    child.on('message', (message) => {
      // ready: it said so once it listens (no probe, no waiting for its first telemetry batch)
      if (Value.Check(ServiceReady, message)) {
        if (child === this.child) this.markReady();
        return;
      }
      if (!Value.Check(IdentityReloaded, message)) return;
      const waiting = this.reloads.get(message.seq);
      this.reloads.delete(message.seq);
      waiting?.(message);
    });
    child.on('error', (error) => {
      // spawn failed (or a signal could not be sent); 'exit' may never come
      if (child.pid === undefined) this.onExit(child, null, null, error.message);
    });
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.options.onChange(this);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (child !== this.child || this.state === 'stopped' || this.state === 'crashed') return;
    if (child.pid !== undefined) this.options.onPid?.(child.pid, false);
    this.stdout.flush();
    this.stderr.flush();
    if (this.stopping) {
      this.state = 'stopped';
      this.detail = 'stopped';
    } else if (this.restartingByHand) {
      this.state = 'restarting';
      this.detail = `restarting by hand (pid ${child.pid} ${signal ? `ended by ${signal}` : `exited with code ${code}`})`;
    } else {
      this.state = 'crashed';
      const how = error ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
      const last = this.stderr.last();
      this.detail = last ? `${how}: ${last}` : how;
      this.scheduleRestart(code, signal);
    }
    this.resolveExited();
    this.options.onChange(this);
  }

  /** By the restart policy: a restart after the backoff, said in the detail; nothing for "no". */
  private scheduleRestart(code: number | null, signal: NodeJS.Signals | null): void {
    const policy = this.restartPolicy ?? 'no';
    if (Date.now() - this.startedAt >= STABLE_AFTER_MS) this.attempt = 0;
    const delay = restartDelay(policy, { code, signal }, this.attempt + 1);
    if (delay === null) return;
    this.attempt++;
    this.detail = `${this.detail}; restart ${this.restarts + 1} in ${delay} ms (restart: ${policy})`;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts++;
      this.start();
    }, delay);
  }

  private readonly reloads = new Map<number, (answer: IdentityReloaded) => void>();
  private reloadSeq = 0;

  /**
   * Asks the process to re-read its identity files and use them for new connections. Resolves once it says
   * they are in use; rejects when it cannot (its message), does not answer within `timeoutMs`, or is not running.
   */
  reloadIdentity(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || !this.alive || !child.connected) {
      return Promise.reject(new Error(`"${this.id}" is not running, so it cannot reload its identity`));
    }
    const seq = ++this.reloadSeq;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reloads.delete(seq);
        reject(new Error(`"${this.id}" did not confirm its identity reload within ${timeoutMs} ms`));
      }, timeoutMs);
      this.reloads.set(seq, (answer) => {
        clearTimeout(timer);
        if (answer.ok) resolve();
        else reject(new Error(`"${this.id}" could not reload its identity: ${answer.error ?? 'no reason given'}`));
      });
      const message: IdentityReload = { type: 'identity:reload', seq };
      child.send(message, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.reloads.delete(seq);
        reject(new Error(`could not ask "${this.id}" to reload its identity: ${error.message}`));
      });
    });
  }

  /**
   * Its peers answer at other addresses now (a peer was scaled): the running process is told over its IPC
   * channel, and a restart starts with them. False when the running process could not be told.
   */
  updatePeers(peers: Peer[]): boolean {
    this.options.config = { ...this.options.config, peers };
    const child = this.child;
    if (!child || !this.alive || !child.connected) return false;
    const message: PeersUpdate = { type: 'peers:update', peers };
    child.send(message, () => {}); // a process that just died gets its peers from its config when restarted
    return true;
  }

  markReady(): void {
    if ((this.state !== 'starting' && this.state !== 'restarting') || !this.alive) return;
    this.state = 'ready';
    this.detail = this.restarts > 0 ? `restarted ${this.restarts} time(s)` : undefined;
    this.options.onChange(this);
  }

  /** Sends a signal to the running process: SIGKILL to kill it (the supervisor sees a crash), SIGSTOP to pause
   * it, SIGCONT to resume it. False when nothing runs. */
  signal(signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): boolean {
    const child = this.child;
    if (!child || !this.alive) return false;
    if (!child.kill(signal)) return false;
    if (signal === 'SIGSTOP' && this.state !== 'paused') {
      this.beforePause = this.state;
      this.state = 'paused';
      this.detail = `paused (SIGSTOP to pid ${this.pid})`;
      this.options.onChange(this);
    } else if (signal === 'SIGCONT' && this.state === 'paused') {
      this.state = this.beforePause;
      this.detail = `resumed (SIGCONT to pid ${this.pid})`;
      this.options.onChange(this);
    }
    return true;
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || !this.alive) {
      if (this.state !== 'stopped') {
        this.state = 'stopped';
        this.detail = 'stopped';
        this.resolveExited();
        this.options.onChange(this);
      }
      return;
    }
    child.kill('SIGTERM');
    if (this.state === 'paused') child.kill('SIGCONT'); // a stopped process cannot handle SIGTERM
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, graceMs + KILL_WAIT_MS);
      }),
    ]);
    clearTimeout(killTimer);
    clearTimeout(giveUp);
    if (this.alive) throw new Error(`process ${this.pid} of "${this.id}" did not exit after SIGKILL`);
  }

  /**
   * Restarts the running process by hand: SIGTERM (SIGKILL after the grace period), then a new process on the same
   * port with the same identity. Not a crash: the restart policy and its backoff are not involved. A process that is
   * down is simply started.
   */
  async restart(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.stopping) throw new Error(`"${this.id}" is being stopped: it cannot be restarted`);
    const child = this.child;
    if (!child || !this.alive) {
      this.start();
      return;
    }
    this.restartingByHand = true;
    try {
      child.kill('SIGTERM');
      if (this.state === 'paused') child.kill('SIGCONT');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([
        this.exited,
        new Promise<void>((resolve) => {
          giveUp = setTimeout(resolve, graceMs + KILL_WAIT_MS);
        }),
      ]);
      clearTimeout(killTimer);
      clearTimeout(giveUp);
      if (child.exitCode === null && child.signalCode === null) {
        throw new Error(`process ${child.pid} of "${this.id}" did not exit after SIGKILL`);
      }
    } finally {
      this.restartingByHand = false;
    }
    if (this.stopping) return; // stopped meanwhile
    this.start();
  }

  /** Synchronous last resort, for process exit: SIGKILL without waiting. */
  killNow(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.alive) this.child?.kill('SIGKILL');
  }
}
