// Helpers for the queue's and the store's process tests: their spawn configs, a mutual-TLS client with a given
// identity (kept-alive, like a real producer), and a consumer that is a process of its own (so it can be killed
// with SIGKILL) and tells the test every delivery it gets, before it answers. Only *.test.ts files import it.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueConfig, SpawnConfig, StoreConfig, TelemetryBatch } from '@dw/world';
import { Pool } from 'undici';
import type { Files, TelemetrySink, TestPki } from '../testing.js';
import { TOKEN } from '../testing.js';

export function durableConfig(
  pki: TestPki,
  files: Files,
  sink: { url: string },
  spec: {
    serviceId: string;
    kind: 'queue' | 'store';
    port: number;
    dataDir: string;
    peers?: SpawnConfig['peers'];
    allowedCallers?: string[];
    behaviour?: QueueConfig | StoreConfig;
  },
): SpawnConfig {
  return {
    worldId: pki.worldId,
    serviceId: spec.serviceId,
    rev: 1,
    listen: { host: '127.0.0.1', port: spec.port },
    identity: { certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile },
    peers: spec.peers ?? [],
    allowedCallers: spec.allowedCallers ?? [],
    hopBudget: 8,
    telemetry: { url: sink.url, token: TOKEN, intervalMs: 100 },
    kind: spec.kind,
    behaviour: spec.behaviour ?? {},
    dataDir: spec.dataDir,
  } as SpawnConfig;
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dw-data-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Reply {
  status: number;
  body: Buffer;
}

/** Requests over mutual TLS to one server, with one identity, on kept-alive connections. */
export class MtlsClient {
  private readonly pool: Pool;

  constructor(port: number, servername: string, identity: { certPem: string; keyPem: string; caPem: string }) {
    this.pool = new Pool(`https://127.0.0.1:${port}`, {
      connections: 16,
      connect: { servername, ca: identity.caPem, cert: identity.certPem, key: identity.keyPem },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    this.pool.on('connectionError', () => {});
  }

  /** The answer, or null when none came (refused, reset, the process died). */
  async request(method: string, path: string, body?: Buffer | string): Promise<Reply | null> {
    try {
      const res = await this.pool.request({ method, path, body: body ?? null });
      return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
    } catch {
      return null;
    }
  }

  async json<T = Record<string, unknown>>(method: string, path: string, body?: Buffer | string) {
    const reply = await this.request(method, path, body);
    return reply ? { status: reply.status, body: JSON.parse(reply.body.toString() || 'null') as T } : null;
  }

  close(): Promise<void> {
    return this.pool.destroy().catch(() => {});
  }
}

/** The latest value of a gauge a service reported. */
export function gauge(sink: TelemetrySink, serviceId: string, name: string): number | undefined {
  const batches: TelemetryBatch[] = sink.of(serviceId);
  for (let i = batches.length - 1; i >= 0; i--) {
    const found = batches[i]?.gauges?.find((g) => g.name === name);
    if (found) return found.value;
  }
  return undefined;
}

const CONSUMER_SOURCE = `
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
const { port, cert, key, ca, failPrefix, delayMs } = JSON.parse(process.env.DW_TEST_CONSUMER);
const server = https.createServer(
  { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const fail = failPrefix !== undefined && body.startsWith(failPrefix);
      process.send({ body, id: req.headers['x-dw-message-id'], attempt: req.headers['x-dw-delivery-attempt'], fail }, () => {
        setTimeout(() => {
          res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
          res.end(fail ? '{"error":"poison"}' : '{"ok":true}');
        }, delayMs ?? 0);
      });
    });
  },
);
server.listen(port, '127.0.0.1', () => process.send({ listening: true }));
`;

export interface Delivery {
  body: string;
  id: string;
  attempt: string;
  fail: boolean;
}

/**
 * A consumer in a process of its own: an mTLS server with the given identity that answers 200 (500 to bodies
 * starting with `failPrefix`), telling the test each delivery before it answers it.
 */
export class ConsumerProcess {
  private proc: ChildProcess | undefined;
  readonly deliveries: Delivery[] = [];

  constructor(
    private readonly port: number,
    private readonly files: Files,
    private readonly failPrefix?: string,
    /** How long it takes to answer each delivery (it has told the test of it at once). */
    private readonly delayMs = 0,
  ) {}

  async start(): Promise<void> {
    // beside the identity files, removed with them
    const script = join(this.files.caFile, '..', 'consumer.mjs');
    writeFileSync(script, CONSUMER_SOURCE);
    const config = {
      port: this.port,
      cert: this.files.certFile,
      key: this.files.keyFile,
      ca: this.files.caFile,
      failPrefix: this.failPrefix,
      delayMs: this.delayMs,
    };
    const proc = fork(script, [], {
      env: { DW_TEST_CONSUMER: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.proc = proc;
    const listening = new Promise<void>((resolve, reject) => {
      proc.on('message', (m: Delivery | { listening: true }) => {
        if ('listening' in m) resolve();
        else this.deliveries.push(m);
      });
      proc.once('exit', (code) => reject(new Error(`the consumer exited (${code}) before it listened`)));
    });
    await listening;
  }

  /** SIGKILL: whatever it was handling is never answered. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGKILL');
    await once(proc, 'exit');
  }
}
