// A CA rotation closes the connections it no longer trusts, not only new handshakes. A caller holding a leaf of
// the OLD CA (a stolen one, say) keeps one kept-alive connection busy across the rotation: after the final step
// (the old CA dropped) that connection is closed and a new handshake with the leaf is refused as unknown-ca,
// while the world's own callers, renewed to the new CA, see no failure. Real controller, real processes, real TLS.
import { readFile } from 'node:fs/promises';
import * as https from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { issueLeaf } from '@dw/pki';
import type {
  ClientToServerEvents,
  DeployStatus,
  IdentityRoll,
  ServerToClientEvents,
  TrafficFrame,
  World,
} from '@dw/world';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWatched } from '../testing/deployed-world.js';
import { type TempApp, waitFor } from '../testing/temp-app.js';
import { bundle } from './identity-roll.js';

const RPS = 50;
const WORLD: World = {
  version: 1,
  name: 'rotation-cuts',
  services: [
    { id: 'load', kind: 'client', position: { x: 0, y: 0 }, config: { rps: RPS } },
    { id: 'api', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 5, errorRate: 0 } },
  ],
  links: [{ id: 'l1', from: 'load', to: 'api' }],
};

let t: TempApp;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];

beforeAll(async () => {
  ({ t, worldId, socket } = await deployWatched(WORLD, frames));
});

afterAll(async () => {
  socket?.close();
  await t?.close();
});

interface Outcome {
  at: number;
  connection: number;
  status?: number;
  error?: string;
}

/** One kept-alive connection kept busy (each request as soon as the last was answered), as `identity`. */
function busyCaller(port: number, identity: { certPem: string; keyPem: string }, caPem: string) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const outcomes: Outcome[] = [];
  const closedAt: number[] = [];
  const sockets = new WeakMap<TLSSocket, number>();
  let opened = 0;
  const one = () =>
    new Promise<Outcome>((resolve) => {
      let connection = 0;
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          servername: 'api',
          ca: caPem,
          cert: identity.certPem,
          key: identity.keyPem,
          agent,
          timeout: 5000,
          headers: { 'content-length': '0' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ at: Date.now(), connection, status: res.statusCode ?? 0 }));
        },
      );
      req.on('socket', (s: TLSSocket) => {
        let n = sockets.get(s);
        if (n === undefined) {
          n = ++opened;
          sockets.set(s, n);
          s.once('close', () => closedAt.push(Date.now()));
        }
        connection = n;
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ at: Date.now(), connection, error: err.code ?? err.message }),
      );
      req.end();
    });
  let running = true;
  const loop = (async () => {
    for (let n = 0; running && n < 100_000; n++) {
      const outcome = await one();
      outcomes.push(outcome);
      // A new connection that gets no answer at all ends this caller.
      if (outcome.error !== undefined && !outcomes.some((o) => o.connection === outcome.connection && o.status)) break;
    }
  })();
  return {
    outcomes,
    closedAt,
    async stop() {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

/** A fresh mutual handshake as `identity`, trusting `caPem`: the status, or the error when no answer came. */
function freshCall(port: number, identity: { certPem: string; keyPem: string }, caPem: string) {
  return new Promise<{ status?: number; error?: string }>((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        servername: 'api',
        ca: caPem,
        cert: identity.certPem,
        key: identity.keyPem,
        agent: false,
        timeout: 5000,
        headers: { 'content-length': '0' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

describe('CA rotation and connections already open', () => {
  it("closes a busy kept-alive connection of an old-CA leaf after the final step; the world's calls do not fail", async () => {
    const status = (await t.app.inject({ url: `/api/worlds/${worldId}/deploy` })).json() as DeployStatus;
    const port = status.services.find((s) => s.id === 'api')?.port as number;
    const caDir = join(t.dataDir, 'pki', worldId);
    const oldCa = {
      certPem: await readFile(join(caDir, 'ca.crt'), 'utf8'),
      keyPem: await readFile(join(caDir, 'ca.key'), 'utf8'),
    };
    // A leaf of the old CA in the name of a linked caller, as one stolen before the rotation would be.
    const stolen = await issueLeaf(oldCa, { worldId, serviceId: 'load' });
    const first = await waitFor('traffic on l1', () => frames.findLast((f) => (f.links[0]?.total.requests ?? 0) > 10));
    const before = first.links[0]?.total ?? { requests: 0, errors: 0, refused: 0 };

    const caller = busyCaller(port, stolen, oldCa.certPem);
    try {
      await waitFor('the stolen leaf served', () =>
        caller.outcomes.filter((o) => o.status === 200).length >= 20 ? true : undefined,
      );
      expect(caller.closedAt).toEqual([]);

      const lines: string[] = [];
      const offLog = t.app.deployer.events.on('log', (l) => {
        if (l.id === 'api') lines.push(l.line);
      });
      const started = Date.now();
      const rotated = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy/rotate-ca` });
      expect(rotated.statusCode, rotated.body).toBe(200);
      const ended = Date.now();
      const roll = rotated.json() as IdentityRoll;
      offLog();

      // The connection opened with the old CA's leaf is closed by the rotation (it was open and busy until then).
      const closedAt = await waitFor('the old-CA connection to be closed', () => caller.closedAt[0], 5000);
      expect(closedAt).toBeGreaterThanOrEqual(started);
      await waitFor(
        'the stolen caller to stop',
        () => (caller.outcomes.at(-1)?.error !== undefined ? true : undefined),
        5000,
      );
      const onFirst = caller.outcomes.filter((o) => o.connection === 1);
      expect(onFirst.filter((o) => o.at < started).every((o) => o.status === 200)).toBe(true);
      expect(onFirst.filter((o) => o.status === 200).every((o) => o.at <= closedAt)).toBe(true);
      // api closed it at the third (final) reload of the rotation, and closed nothing else: the world's callers
      // had no call in flight on their old leaf by then.
      const reloads = lines.filter((l) => /identity reloaded/.test(l));
      expect(reloads).toHaveLength(3);
      expect(reloads.map((l) => /closed (\d+) connection/.exec(l)?.[1] ?? '0')).toEqual(['0', '0', '1']);
      expect(
        lines.filter((l) => /closed a connection from load: its certificate is no longer signed/.test(l)),
      ).toHaveLength(1);

      // A new handshake with that leaf is refused (even by a client that trusts the new CA too): unknown-ca.
      const newCaPem = await readFile(join(caDir, 'ca.crt'), 'utf8');
      expect(newCaPem).not.toBe(oldCa.certPem);
      const from = frames.length;
      const again = await freshCall(port, stolen, bundle([oldCa.certPem, newCaPem]));
      expect(again.status).toBeUndefined();
      await waitFor(
        'the refused handshake in the stream',
        () =>
          frames
            .slice(from)
            .some((f) => f.refusals.some((r) => r.to === 'api' && r.from === null && r.reason === 'unknown-ca'))
            ? true
            : undefined,
        5000,
      );

      // The world's own callers, renewed to the new CA, kept going without a single failure.
      const since = frames.length;
      await waitFor('traffic after the rotation', () => (frames.slice(since).length >= 5 ? true : undefined), 5000);
      const after = frames.at(-1)?.links[0]?.total ?? { requests: 0, errors: 0, refused: 0 };
      expect(after.errors - before.errors).toBe(0);
      expect(after.refused - before.refused).toBe(0);
      expect(after.requests - before.requests).toBeGreaterThan(RPS);
      console.log(
        `[rotation] rotation took ${roll.tookMs} ms; the old-CA connection carried ${onFirst.length} requests and ` +
          `was closed ${closedAt - started} ms after the rotation began (it ended after ${ended - started} ms); ` +
          `a new handshake: ${again.error}; l1: ${after.requests - before.requests} requests, ${after.errors - before.errors} errors`,
      );
    } finally {
      await caller.stop();
    }
  }, 60_000);
});
