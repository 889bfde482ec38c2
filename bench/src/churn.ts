// Memory under connection churn: one service process (our runtime) answers requests first over 10 kept-alive
// connections, then each on a new mutual-TLS connection, then sits idle past its keep-alive timeout. Its own
// memory (RSS, V8 heap, external) is read from its /_dw/stats answer after every round. It tells growth that
// comes back (V8 and the allocator sizing themselves to a burst of handshakes) from growth that stays (a leak):
// the soak's services never go idle, so there a high-water mark looks like a slope.
import * as https from 'node:https';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_ID, HOPS_HEADER, type ServiceStats, SPAWN_CONFIG_ENV, type SpawnConfig, spiffeId } from '@dw/world';
import { Pool } from 'undici';
import type { BenchPki } from './pki.js';
import { freePort, start, stopAll, waitForLine } from './procs.js';

const SERVICE_MAIN = fileURLToPath(new URL('../../services/dist/main.js', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';
const MB = 1024 * 1024;
const CONCURRENCY = 20;

export interface ChurnRow {
  phase: 'start' | 'kept-alive' | 'new-connections' | 'idle';
  /** Requests (kept-alive) or connections (new-connections) so far in this phase; seconds when idle. */
  count: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

export async function runChurn(
  pki: BenchPki,
  sinkUrl: string,
  opts: { keptAlive: number; connections: number; rounds: number; idleS: number },
): Promise<ChurnRow[]> {
  const deadline = Date.now() + 10 * 60_000; // a bound in time as well as in count
  const [leaf, load, controller] = await Promise.all([pki.leaf('b'), pki.leaf('load'), pki.leaf(CONTROLLER_ID)]);
  const port = await freePort();
  const config: SpawnConfig = {
    kind: 'service',
    worldId: pki.worldId,
    serviceId: 'b',
    rev: 1,
    listen: { host: '127.0.0.1', port },
    identity: { certFile: leaf.certFile, keyFile: leaf.keyFile, caFile: leaf.caFile },
    peers: [],
    allowedCallers: [spiffeId(pki.worldId, 'load')],
    hopBudget: 8,
    telemetry: { url: sinkUrl, token: TOKEN, intervalMs: 100 },
    behaviour: { latencyMs: 1, errorRate: 0 },
  };
  const child = start(SERVICE_MAIN, { [SPAWN_CONFIG_ENV]: JSON.stringify(config) }, 'service b');
  const rows: ChurnRow[] = [];
  try {
    await waitForLine(child, /listening on https:/, 15_000, 'service b');
    type Identity = { cert: string; key: string; ca: string };
    const asLoad: Identity = { cert: load.pem.certPem, key: load.pem.keyPem, ca: load.caPem };
    const asController: Identity = { cert: controller.pem.certPem, key: controller.pem.keyPem, ca: controller.caPem };
    /** One request on a connection of its own (agent: false), answered or not. */
    const once = (identity: Identity, method: string, path: string) =>
      new Promise<string>((resolve) => {
        const req = https.request(
          { host: '127.0.0.1', port, method, path, servername: 'b', ...identity, agent: false, timeout: 5000 },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => resolve(body));
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(''));
        req.setHeader(HOPS_HEADER, '8');
        req.end();
      });
    const read = async (phase: ChurnRow['phase'], count: number) => {
      const { memory } = JSON.parse(await once(asController, 'GET', '/_dw/stats')) as ServiceStats;
      const row: ChurnRow = {
        phase,
        count,
        rssMb: Math.round((memory.rss / MB) * 10) / 10,
        heapUsedMb: Math.round((memory.heapUsed / MB) * 10) / 10,
        heapTotalMb: Math.round((memory.heapTotal / MB) * 10) / 10,
        externalMb: Math.round((memory.external / MB) * 10) / 10,
      };
      rows.push(row);
      process.stdout.write(`  churn ${JSON.stringify(row)}\n`);
    };
    await read('start', 0);

    const pool = new Pool(`https://127.0.0.1:${port}`, {
      connections: 10,
      connect: { cert: load.pem.certPem, key: load.pem.keyPem, ca: load.caPem, servername: 'b' },
    });
    const keptAlive = async () => {
      try {
        const res = await pool.request({ path: '/', method: 'POST', headers: { [HOPS_HEADER]: '8' }, body: '' });
        await res.body.dump();
      } catch {
        // counted by nobody: the memory is what is measured
      }
    };
    for (let round = 1; round <= opts.rounds && Date.now() < deadline; round++) {
      for (let i = 0; i < opts.keptAlive / opts.rounds; i += CONCURRENCY) {
        await Promise.all(Array.from({ length: CONCURRENCY }, keptAlive));
      }
      await read('kept-alive', (round * opts.keptAlive) / opts.rounds);
    }
    await pool.destroy();

    for (let round = 1; round <= opts.rounds && Date.now() < deadline; round++) {
      for (let i = 0; i < opts.connections / opts.rounds; i += CONCURRENCY) {
        await Promise.all(Array.from({ length: CONCURRENCY }, () => once(asLoad, 'POST', '/')));
      }
      await read('new-connections', (round * opts.connections) / opts.rounds);
    }

    // past the server's 30 s keep-alive: every connection is gone, and V8 may shrink its heap when idle
    await new Promise((r) => setTimeout(r, opts.idleS * 1000));
    await read('idle', opts.idleS);
    return rows;
  } finally {
    await stopAll();
  }
}
