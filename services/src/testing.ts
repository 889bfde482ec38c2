// Helpers for the process-level tests: a world PKI on disk, free ports, a telemetry sink, owned child processes.
// Not exported from index.ts; only *.test.ts files import it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import {
  type Peer,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
  spiffeId,
  TELEMETRY_TOKEN_HEADER,
  type TelemetryBatch,
} from '@dw/world';

export const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const TOKEN = 'test-token-0123456789abcdef';

export interface Files {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-services-test-'));
  private constructor(
    readonly worldId: string,
    readonly ca: KeyPairPem,
  ) {
    writeFileSync(join(this.dir, 'ca.pem'), ca.certPem);
  }

  static async create(worldId: string): Promise<TestPki> {
    return new TestPki(worldId, await createCA({ worldId }));
  }

  /** Issues a leaf of this CA (or writes a given identity) to files; returns the paths and the PEMs. */
  async identity(
    name: string,
    opts: { serviceId?: string; worldId?: string; notBefore?: Date; validityMs?: number; pem?: KeyPairPem } = {},
  ): Promise<Files & KeyPairPem & { caPem: string }> {
    const pem =
      opts.pem ??
      (await issueLeaf(this.ca, {
        worldId: opts.worldId ?? this.worldId,
        serviceId: opts.serviceId ?? name,
        ...(opts.notBefore ? { notBefore: opts.notBefore } : {}),
        ...(opts.validityMs ? { validityMs: opts.validityMs } : {}),
      }));
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    writeFileSync(certFile, pem.certPem);
    writeFileSync(keyFile, pem.keyPem, { mode: 0o600 });
    return { certFile, keyFile, caFile: join(this.dir, 'ca.pem'), ...pem, caPem: this.ca.certPem };
  }

  spiffe(serviceId: string): string {
    return spiffeId(this.worldId, serviceId);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port nobody listens on right now (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The controller's telemetry endpoint, reduced to collecting what arrives. */
export class TelemetrySink {
  readonly batches: TelemetryBatch[] = [];
  readonly rejected: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers[TELEMETRY_TOKEN_HEADER] !== TOKEN) {
        this.rejected.push(Date.now());
        res.writeHead(401).end();
        return;
      }
      this.batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/api/telemetry`;
    return this;
  }

  /**
   * The batches of one service, each counted once as the controller counts them: a batch sent again after a POST
   * that timed out (same pid and seq) appears once.
   */
  of(serviceId: string): TelemetryBatch[] {
    const seen = new Set<string>();
    return this.batches.filter((b) => {
      const key = `${b.pid}:${b.seq}`;
      if (b.serviceId !== serviceId || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Polls until `predicate` holds (bounded); throws with `what` when it never does. */
  async waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}

export interface ServiceSpec {
  serviceId: string;
  kind: 'client' | 'service';
  port: number;
  peers?: Peer[];
  allowedCallers?: string[];
  hopBudget?: number;
  behaviour?: SpawnConfig['behaviour'];
  intervalMs?: number;
}

export function spawnConfig(pki: TestPki, files: Files, sink: { url: string }, spec: ServiceSpec): SpawnConfig {
  const common = {
    worldId: pki.worldId,
    serviceId: spec.serviceId,
    rev: 1,
    listen: { host: '127.0.0.1', port: spec.port },
    identity: { certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile },
    peers: spec.peers ?? [],
    allowedCallers: spec.allowedCallers ?? [],
    hopBudget: spec.hopBudget ?? 8,
    telemetry: { url: sink.url, token: TOKEN, intervalMs: spec.intervalMs ?? 100 },
  };
  return spec.kind === 'client'
    ? { ...common, kind: 'client', behaviour: (spec.behaviour ?? { rps: 20 }) as { rps: number } }
    : { ...common, kind: 'service', behaviour: (spec.behaviour ?? { latencyMs: 0 }) as { latencyMs?: number } };
}

export interface Child {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Owns every process it starts; `killAll` ends whatever is still running. */
export class Children {
  private readonly all: Child[] = [];

  /** `env`: the environment besides the spawn config (default: this process's). */
  spawn(config: unknown, opts: { raw?: string; env?: NodeJS.ProcessEnv } = {}): Child {
    const env = { ...(opts.env ?? process.env), [SPAWN_CONFIG_ENV]: opts.raw ?? JSON.stringify(config) };
    const proc = spawn(process.execPath, [MAIN_JS], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let text = '';
    proc.stdout?.on('data', (c: Buffer) => {
      text += c.toString();
    });
    proc.stderr?.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const child = { proc, output: () => text, exited };
    this.all.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(
      this.all.splice(0).map(async (c) => {
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
        await c.exited;
      }),
    );
  }
}

/** Stops a child the way the controller does (SIGTERM) and waits, bounded, for its exit. */
export async function stop(child: Child, timeoutMs = 5000) {
  child.proc.kill('SIGTERM');
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('child did not exit after SIGTERM')), timeoutMs).unref(),
  );
  return Promise.race([child.exited, timeout]);
}

/** One HTTPS request with a given client identity (or none); `error` when no HTTP answer came. */
export function mtlsRequest(
  port: number,
  opts: {
    servername: string;
    ca: string;
    cert?: string;
    key?: string;
    method?: string;
    path?: string;
    headers?: Record<string, string>;
  },
): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/',
        servername: opts.servername,
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: opts.headers ?? {},
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

export { spiffeId };
