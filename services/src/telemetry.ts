// Reports the stats window to the controller: one POST per interval over one kept-alive connection, a
// heartbeat at least once a second, never one message per request. A batch that cannot be delivered is dropped.
import { TELEMETRY_TOKEN_HEADER, type TelemetryBatch, type TelemetryTarget } from '@dw/world';
import { Pool } from 'undici';
import type { Log } from './log.js';
import type { Stats } from './stats.js';
import type { Tracer } from './tracing.js';

export const HEARTBEAT_MS = 1000;
const POST_TIMEOUT_MS = 2000;

export class TelemetryReporter {
  private readonly pool: Pool;
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private seq = 0;
  private windowStart = Date.now();
  private lastSentAt = 0;
  private failing = false;
  /** Batches that could not be delivered, since start. */
  dropped = 0;
  ready = false;

  constructor(
    private readonly target: TelemetryTarget,
    private readonly ids: { worldId: string; serviceId: string; replica?: number; rev: number },
    private readonly stats: Stats,
    private readonly tracer: Tracer,
    private readonly log: Log,
  ) {
    const url = new URL(target.url);
    this.path = url.pathname + url.search;
    this.pool = new Pool(url.origin, {
      connections: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: POST_TIMEOUT_MS,
      bodyTimeout: POST_TIMEOUT_MS,
      connect: { timeout: POST_TIMEOUT_MS },
    });
    this.pool.on('connectionError', () => {});
  }

  /** Marks the process ready, sends the first batch now and then one per interval. */
  start(): void {
    this.ready = true;
    this.send();
    // telemetry off: that first batch says the process is ready, and nothing follows
    if (this.target.enabled === false) return;
    this.timer = setInterval(() => this.tick(), this.target.intervalMs);
  }

  private tick(): void {
    if (this.inFlight) return; // the window keeps growing until the previous POST is done
    const quiet = Date.now() - this.lastSentAt < HEARTBEAT_MS - this.target.intervalMs / 2;
    if (!this.stats.dirty && !this.tracer.pending && quiet) return;
    this.send();
  }

  private send(): void {
    const now = Date.now();
    const window = this.stats.drain();
    const { spans, spansDropped } = this.tracer.drain();
    const batch: TelemetryBatch = {
      ...this.ids,
      pid: process.pid,
      seq: this.seq++,
      at: now,
      windowMs: now - this.windowStart,
      ready: this.ready,
      ...window,
      ...(spans.length > 0 ? { spans } : {}),
      ...(spansDropped > 0 ? { spansDropped } : {}),
    };
    this.windowStart = now;
    this.lastSentAt = now;
    this.inFlight = this.post(batch).finally(() => {
      this.inFlight = undefined;
    });
  }

  private async post(batch: TelemetryBatch): Promise<void> {
    let problem: string | undefined;
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', [TELEMETRY_TOKEN_HEADER]: this.target.token },
        body: JSON.stringify(batch),
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) problem = `the controller answered ${res.statusCode}`;
    } catch (err) {
      problem = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim();
    }
    if (problem !== undefined) {
      this.dropped++;
      if (!this.failing) this.log.error(`telemetry: batch dropped, ${problem}; will keep trying`);
      this.failing = true;
    } else if (this.failing) {
      this.failing = false;
      this.log.info(`telemetry: delivering again (${this.dropped} batches dropped so far)`);
    }
  }

  /** Stops the interval, waits for the POST in flight, and sends one last batch; bounded by `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    if (this.target.enabled === false) return;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const last = (async () => {
      await this.inFlight;
      this.send();
      await this.inFlight;
    })();
    await Promise.race([last, deadline]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pool.destroy().catch(() => {});
  }
}
