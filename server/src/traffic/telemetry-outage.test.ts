// Frame counts stay exact across a telemetry outage, with real processes and real mutual TLS. The services report
// through a proxy that first holds the controller's answers back for 2.5 s (the batches arrive, the POSTs time
// out, so each is sent again: a copy the controller must not count twice), then refuses connections for 1 s
// (nothing arrives: the batch waits, and what is counted meanwhile merges into the next). Meanwhile the test
// drives known traffic; once the route recovers, the frames' totals equal the requests it completed.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClientToServerEvents,
  type DeployStatus,
  HOPS_HEADER,
  type ServerToClientEvents,
  type TrafficFrame,
} from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import type { Socket } from 'socket.io-client';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWatched } from '../testing/deployed-world.js';
import { type StallingProxy, stallingProxy } from '../testing/stalling-proxy.js';
import { type TempApp, waitFor } from '../testing/temp-app.js';

/** `loader` sends nothing itself: the test calls `edge` with loader's identity; edge calls store once per call. */
const EDGE_WORLD = fixtureWorld('edge');

let t: TempApp;
let proxy: StallingProxy;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const frames: TrafficFrame[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  let controllerPort = 0;
  proxy = await stallingProxy(() => controllerPort);
  ({ t, worldId, socket } = await deployWatched(EDGE_WORLD, frames, 20_000, {
    app: { controllerUrl: proxy.url },
    onListening: (base) => {
      controllerPort = Number(new URL(base).port);
    },
  }));
}, 30_000);

afterAll(async () => {
  socket?.close();
  await t?.close();
  await proxy?.close();
});

describe('telemetry across an outage of the route', () => {
  it('loses nothing and counts nothing twice: frame totals equal the requests completed', async () => {
    const status: DeployStatus = (await t.app.inject(`/api/worlds/${worldId}/deploy`)).json();
    const edge = status.services.find((s) => s.id === 'edge');
    const root = join(t.dataDir, 'deployments');
    const [dir] = await readdir(root);
    const read = (f: string) => readFile(join(root, dir as string, f), 'utf8');
    const pool = new Pool(`https://127.0.0.1:${edge?.port}`, {
      connections: 4,
      connect: {
        cert: await read('loader.crt'),
        key: await read('loader.key'),
        ca: await read('ca.crt'),
        servername: 'edge',
      },
    });
    let completed = 0;
    let failed = 0;
    let driving = true;
    const worker = async () => {
      // bounded: at most 20 000 calls each, and the test stops driving after about 5 s
      for (let i = 0; i < 20_000 && driving; i++) {
        const res = await pool.request({ path: '/', method: 'POST', headers: { [HOPS_HEADER]: '4' }, body: '' });
        await res.body.dump();
        if (res.statusCode === 200) completed++;
        else failed++;
        await sleep(5);
      }
    };
    const deployment = t.app.deployer.find(worldId);
    const load = Promise.all(Array.from({ length: 4 }, worker));
    try {
      await sleep(600);
      proxy.setMode('hold'); // batches arrive, answers do not: each POST times out after 2 s and is sent again
      await sleep(2500);
      proxy.setMode('refuse'); // nothing arrives
      await sleep(1000);
      proxy.setMode('pass');
      await sleep(800);
    } finally {
      driving = false;
      await load;
      await pool.destroy();
    }
    expect(failed).toBe(0);
    expect(completed).toBeGreaterThan(20);
    expect(proxy.withheld).toBeGreaterThan(0);
    expect(proxy.refused).toBeGreaterThan(0);

    const totals = (frame: TrafficFrame) => ({
      calls: frame.links.find((l) => l.id === 'l2')?.total.requests,
      edge: frame.services.find((s) => s.id === 'edge')?.totalAccepted,
      store: frame.services.find((s) => s.id === 'store')?.totalAccepted,
    });
    const want = { calls: completed, edge: completed, store: completed };
    // the held batches come through with the first POSTs after recovery (a timed-out one is retried at once)
    const from = frames.length;
    await waitFor(
      'frames counting every completed request',
      () => frames.slice(from).find((f) => JSON.stringify(totals(f)) === JSON.stringify(want)),
      10_000,
    ).catch(() => undefined);
    expect(totals(frames.at(-1) as TrafficFrame)).toEqual(want);
    // and they stay there: no copy of a batch is counted late
    await sleep(1500);
    expect(totals(frames.at(-1) as TrafficFrame)).toEqual(want);
    // the copies really happened: batches that had arrived were sent again, and not counted again
    const copies = deployment?.delivered.copies ?? 0;
    expect(copies).toBeGreaterThan(0);
    console.log(
      `telemetry outage: ${completed} requests completed during 2.5 s held + 1 s refused; frames count ` +
        `${totals(frames.at(-1) as TrafficFrame).calls}; ${copies} batch copies not counted twice; ` +
        `${proxy.withheld} answers withheld, ${proxy.refused} connections refused`,
    );
  }, 40_000);
});
