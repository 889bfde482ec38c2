// A browser that stops reading its socket costs the controller nothing: its frames are dropped and counted
// instead of piling up in memory. The stalled watcher here is a real socket.io client whose TCP socket stops
// reading; the frames are real frames of a deployed world with many links (so they are large).
import type { ClientToServerEvents, ServerToClientEvents, WatchAck, World } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { listenLocal, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';

const SERVICES = 20;
let t: TempApp;
let url: string;
let worldId: string;
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

/** Every service calls every other: n(n-1) links, so each frame is tens of kilobytes. No client: no load. */
function meshWorld(): World {
  const ids = Array.from({ length: SERVICES }, (_, i) => `s${i}`);
  return {
    version: 1,
    name: 'full mesh',
    services: ids.map((id, i) => ({ id, kind: 'service', position: { x: i * 50, y: 0 }, config: { latencyMs: 1 } })),
    links: ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => ({ id: `${from}-${to}`, from, to }))),
  };
}

async function watcher(): Promise<{
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  frames: () => number;
}> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  let frames = 0;
  socket.on('traffic:frame', () => frames++);
  const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId }, resolve));
  expect(ack).toEqual({ ok: true });
  return { socket, frames: () => frames };
}

const liveStats = async () =>
  (await t.app.inject({ method: 'GET', url: '/api/live' })).json() as { framesSent: number; framesDropped: number };

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  url = await listenLocal(t.app);
  worldId = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: meshWorld() })).json().id;
  await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` });
  await waitFor(
    'the mesh ready',
    async () => {
      const status = (await t.app.inject({ method: 'GET', url: `/api/worlds/${worldId}/deploy` })).json();
      return status.services.every((s: { state: string }) => s.state === 'ready') ? true : undefined;
    },
    30_000,
  );
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t?.close();
});

describe('a watcher that stops reading', () => {
  it('has its frames dropped and counted, while a healthy watcher keeps getting every one', async () => {
    const healthy = await watcher();
    const stalled = await watcher();
    await waitFor('frames flowing to both', () => (healthy.frames() > 2 && stalled.frames() > 2 ? true : undefined));
    // Stop reading: the underlying TCP socket of the stalled client is paused, as a frozen tab's would be.
    const transport = stalled.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } };
    transport.ws._socket.pause();
    const before = await liveStats();
    const healthyAt = healthy.frames();
    const heapBefore = process.memoryUsage().heapUsed;
    const stalledAt = stalled.frames();
    // Long enough for the kernel's buffers to fill and the controller to notice.
    const dropped = await waitFor(
      'frames dropped for the stalled watcher',
      async () => {
        const now = await liveStats();
        return now.framesDropped - before.framesDropped >= 20 ? now : undefined;
      },
      45_000,
      200,
    );
    const healthyGot = healthy.frames() - healthyAt;
    // Each frame of the world went to both watchers, sent or dropped: half of those is what the world made.
    const made = (dropped.framesSent + dropped.framesDropped - before.framesSent - before.framesDropped) / 2;
    console.log(
      `stalled watcher: ${dropped.framesDropped - before.framesDropped} frames dropped of ${made} made; healthy watcher got ${healthyGot}; ` +
        `heap ${(heapBefore / 1e6).toFixed(1)} -> ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB`,
    );
    expect(stalled.frames() - stalledAt).toBeLessThan(healthyGot);
    // The healthy watcher lost nothing: every frame made meanwhile (give or take the one or two in flight at
    // either end of the count).
    expect(made).toBeGreaterThanOrEqual(20);
    expect(Math.abs(healthyGot - made)).toBeLessThanOrEqual(2);
    // Nothing is queued for the stalled one inside the controller: at most the frame in flight.
    const stalledServerSide = t.app.io.sockets.sockets.get(stalled.socket.id as string);
    if (!stalledServerSide) throw new Error('the stalled watcher is gone from the controller');
    const queued = (stalledServerSide.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
    expect(queued).toBeLessThanOrEqual(1);
  }, 90_000);

  it('does not hold up the controller when it closes', async () => {
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
