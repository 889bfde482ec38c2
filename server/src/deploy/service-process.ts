// One service process: spawned with plain `node` and its spawn config, tracked from start to exit.
// starting -> ready (first ready batch or /_dw/health) -> crashed when it exits on its own; stopped after stop().
import { type ChildProcess, spawn } from 'node:child_process';
import {
  type IdentityReload,
  IdentityReloaded,
  type ServiceState,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
} from '@dw/world';
import Value from 'typebox/value';
import { LineRing } from './line-ring.js';

export const STOP_GRACE_MS = 1000;
/** After SIGKILL a process is gone within milliseconds; this bounds the wait if the OS says otherwise. */
const KILL_WAIT_MS = 3000;

export interface ServiceProcessOptions {
  config: SpawnConfig;
  /** Path of the service runtime bundle (services/dist/main.js). */
  runtime: string;
  onChange: (process: ServiceProcess) => void;
}

export class ServiceProcess {
  readonly id: string;
  readonly kind: SpawnConfig['kind'];
  readonly port: number;
  state: ServiceState = 'starting';
  pid: number | null = null;
  detail: string | undefined;
  readonly stdout = new LineRing();
  readonly stderr = new LineRing();
  private child: ChildProcess | null = null;
  private stopping = false;
  private resolveExited!: () => void;
  /** Resolves once the process has exited (or never started). */
  readonly exited = new Promise<void>((resolve) => {
    this.resolveExited = resolve;
  });

  constructor(private readonly options: ServiceProcessOptions) {
    this.id = options.config.serviceId;
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

  start(): void {
    const env: NodeJS.ProcessEnv = { ...process.env, [SPAWN_CONFIG_ENV]: JSON.stringify(this.options.config) };
    delete env.NODE_OPTIONS; // the runtime is a plain bundle; inherited loader hooks would only get in the way
    const child = spawn(process.execPath, [this.options.runtime], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      windowsHide: true,
    });
    this.child = child;
    this.pid = child.pid ?? null;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.stdout.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    // The channel makes the child die with us, and carries identity reloads (renewal, CA rotation).
    child.on('message', (message) => {
      if (!Value.Check(IdentityReloaded, message)) return;
      const waiting = this.reloads.get(message.seq);
      this.reloads.delete(message.seq);
      waiting?.(message);
    });
    child.on('error', (error) => {
      // spawn failed (or a signal could not be sent); 'exit' may never come
      if (child.pid === undefined) this.onExit(null, null, error.message);
    });
    child.on('exit', (code, signal) => this.onExit(code, signal));
    this.options.onChange(this);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.state === 'stopped' || this.state === 'crashed') return;
    this.stdout.flush();
    this.stderr.flush();
    if (this.stopping) {
      this.state = 'stopped';
      this.detail = 'stopped';
    } else {
      this.state = 'crashed';
      const how = error ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
      const last = this.stderr.last();
      this.detail = last ? `${how}: ${last}` : how;
    }
    this.resolveExited();
    this.options.onChange(this);
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

  markReady(): void {
    if (this.state !== 'starting' || !this.alive) return;
    this.state = 'ready';
    this.detail = undefined;
    this.options.onChange(this);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
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

  /** Synchronous last resort, for process exit: SIGKILL without waiting. */
  killNow(): void {
    this.stopping = true;
    if (this.alive) this.child?.kill('SIGKILL');
  }
}
