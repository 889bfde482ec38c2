// Start order: nodes that serve start first; traffic sources (clients, attacking intruders) once every node that
// serves is ready or has given up starting (or after CLIENTS_WAIT_AT_MOST_MS), so no request of a new deployment
// meets a callee that is not listening yet. A process that answers /_dw/health is ready even before its first
// telemetry batch says so.
import { isTrafficSource } from '@dw/world';
import { callService, type TlsIdentity } from './mtls.js';
import type { ServiceProcess } from './service-process.js';

const HEALTH_POLL_MS = 250;
const HEALTH_POLL_FOR_MS = 30_000;
/** Clients start once every service is ready, or after this long whatever the services do. */
export const CLIENTS_WAIT_AT_MOST_MS = 10_000;

/**
 * Traffic sources (clients, attacking intruders) start once every node that serves listens; the others (an
 * impostor too: it serves in another's name) start first.
 */
export function startsLate(process: ServiceProcess): boolean {
  return isTrafficSource({ kind: process.config.kind, config: process.config.behaviour });
}

export interface StartOrderOptions {
  processes: () => Iterable<ServiceProcess>;
  host: string;
  controller: () => TlsIdentity;
  /** True once the deployment stops: nothing starts any more. */
  stopping: () => boolean;
}

export class StartOrder {
  private clientTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private since = 0;
  private readonly probing = new Set<string>();

  constructor(private readonly options: StartOrderOptions) {}

  /** Starts `first` now (they serve), the traffic sources that have not started once they are ready. */
  begin(first: Iterable<ServiceProcess>): void {
    this.since = Date.now();
    for (const p of first) p.start();
    clearTimeout(this.clientTimer);
    this.clientTimer = setTimeout(() => this.startSources(), CLIENTS_WAIT_AT_MOST_MS);
    this.clientTimer.unref();
    this.startSourcesIfReady();
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => this.pollHealth(), HEALTH_POLL_MS);
    this.healthTimer.unref();
  }

  /** Called on every change of a process. */
  changed(process: ServiceProcess): void {
    if (!startsLate(process) && process.state !== 'starting') this.startSourcesIfReady();
  }

  stop(): void {
    clearTimeout(this.clientTimer);
    clearInterval(this.healthTimer);
  }

  private startSourcesIfReady(): void {
    const serving = [...this.options.processes()].filter((p) => !startsLate(p));
    if (serving.every((p) => p.state !== 'starting')) this.startSources();
  }

  private startSources(): void {
    clearTimeout(this.clientTimer);
    if (this.options.stopping()) return;
    for (const p of this.options.processes()) if (startsLate(p) && !p.started) p.start();
  }

  /** A fallback to the first ready batch: a service that answers /_dw/health is ready. */
  private pollHealth(): void {
    const starting = [...this.options.processes()].filter((p) => p.state === 'starting' && p.alive);
    if (starting.length === 0 || Date.now() - this.since > HEALTH_POLL_FOR_MS) {
      clearInterval(this.healthTimer);
      return;
    }
    for (const p of starting) {
      if (this.probing.has(p.key)) continue;
      this.probing.add(p.key);
      const target = { host: this.options.host, port: p.port, serviceId: p.id };
      callService(target, 'health', this.options.controller(), { timeoutMs: 1000 })
        .then((answer) => {
          if (answer.status === 200) p.markReady();
        })
        .catch(() => {}) // not listening yet
        .finally(() => this.probing.delete(p.key));
    }
  }
}
