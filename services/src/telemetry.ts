// Reports the stats window to the controller: one POST per interval over one kept-alive connection (node:http:
// a process that calls nobody never loads undici), a heartbeat at least once a second, never one message per
// request.
//
// Nothing is lost to a failed or slow POST. A batch whose POST failed or timed out (2 s) is kept and sent again,
// unchanged and with the same seq, at the next tick, and nothing newer is sent before it is delivered; meanwhile
// the stats window is not drained, so everything counted since merges into the batch after it (counts and
// latency histograms add up; spans stay capped at MAX_SPANS_PER_BATCH, the rest counted in spansDropped). The
// controller counts each (pid, seq) once, so a POST that timed out but did arrive is not counted twice.
// What is kept is bounded whatever the outage lasts: one undelivered batch plus the window, both of fixed size
// per link, caller and refusal reason (at most MAX_REFUSAL_KEYS), not per request or per second. A batch the
// controller rejects (a 4xx other than 408 and 429: its schema or token is wrong) is dropped, as sending it again
// cannot help; `dropped` counts those.

import * as http from 'node:http';
import * as https from 'node:https';
import { type Gauge, MAX_GAUGES, TELEMETRY_TOKEN_HEADER, type TelemetryBatch, type TelemetryTarget } from '@dw/world';
import type { Log } from './log.js';
import type { Stats } from './stats.js';
import type { Tracer } from './tracing.js';

export const HEARTBEAT_MS = 1000;
const POST_TIMEOUT_MS = 2000;

export class TelemetryReporter {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** The batch whose delivery failed or timed out: sent again, unchanged, before anything newer. */
  private unacked: TelemetryBatch | undefined;
  private seq = 0;
  private windowStart = Date.now();
  private lastSentAt = 0;
  private failing = false;
  /** Batches the controller rejected (not sent again), since start. */
  dropped = 0;
  /** POSTs that failed or timed out and were (or will be) sent again, since start. */
  retried = 0;
  ready = false;

  constructor(
    private readonly target: TelemetryTarget,
    private readonly ids: { worldId: string; serviceId: string; replica?: number; rev: number },
    private readonly stats: Stats,
    private readonly tracer: Tracer,
    private readonly log: Log,
    /** The figures its kind reports of itself, read at each batch (a queue's depth...). */
    private readonly gauges?: () => Gauge[],
  ) {
    this.url = new URL(target.url);
    this.path = this.url.pathname + this.url.search;
    // one connection, kept alive
    const options = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1 };
    this.agent = this.url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
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
    if (this.unacked) {
      this.deliver(this.unacked); // and until the undelivered batch is
      return;
    }
    const quiet = Date.now() - this.lastSentAt < HEARTBEAT_MS - this.target.intervalMs / 2;
    if (!this.stats.dirty && !this.tracer.pending && quiet) return;
    this.send();
  }

  private send(): void {
    const now = Date.now();
    const window = this.stats.drain();
    const { spans, spansDropped } = this.tracer.drain();
    const gauges = this.gauges?.().slice(0, MAX_GAUGES);
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
      ...(gauges && gauges.length > 0 ? { gauges } : {}),
    };
    this.windowStart = now;
    this.deliver(batch);
  }

  private deliver(batch: TelemetryBatch): void {
    this.lastSentAt = Date.now();
    this.inFlight = this.post(batch).finally(() => {
      this.inFlight = undefined;
    });
  }

  private async post(batch: TelemetryBatch): Promise<void> {
    let problem: string | undefined;
    let retry = true;
    try {
      const status = await this.postOnce(JSON.stringify(batch));
      if (status < 200 || status >= 300) {
        problem = `the controller answered ${status}`;
        retry = status >= 500 || status === 408 || status === 429;
      }
    } catch (err) {
      problem = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim();
    }
    if (problem === undefined) {
      this.unacked = undefined;
      if (this.failing) {
        this.failing = false;
        this.log.info(`telemetry: delivering again (${this.retried} posts retried, ${this.dropped} batches rejected)`);
      }
      return;
    }
    if (retry) {
      this.retried++;
      this.unacked = batch;
    } else {
      this.dropped++;
      this.unacked = undefined;
    }
    if (!this.failing) {
      const what = retry ? 'will send it again, with what is counted meanwhile after it' : 'batch dropped';
      this.log.error(`telemetry: batch ${batch.seq} not delivered, ${problem}; ${what}`);
    }
    this.failing = true;
  }

  /** One POST of `body`; its status once the answer is read, or a rejection (also after POST_TIMEOUT_MS). */
  private postOnce(body: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const client = this.url.protocol === 'https:' ? https : http;
      const req = client.request(
        {
          host: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || undefined,
          path: this.path,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            [TELEMETRY_TOKEN_HEADER]: this.target.token,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
          res.on('close', () => {
            if (!res.complete) reject(new Error('the answer was cut off'));
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${POST_TIMEOUT_MS} ms`)), POST_TIMEOUT_MS);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Stops the interval, waits for the POST in flight, sends the undelivered batch if there is one, and one last
   * batch; bounded by `timeoutMs`.
   */
  async flush(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    if (this.target.enabled === false) return;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const last = (async () => {
      await this.inFlight;
      if (this.unacked) {
        this.deliver(this.unacked);
        await this.inFlight;
        if (this.unacked) return; // the controller is not taking any: the last window cannot follow it
      }
      this.send();
      await this.inFlight;
    })();
    await Promise.race([last, deadline]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.agent.destroy();
  }
}
