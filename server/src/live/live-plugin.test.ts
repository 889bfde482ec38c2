import type { ClientToServerEvents, ServerToClientEvents, ServiceStatusEvent, WatchAck } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { listenLocal, type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
let worldId: string;
let base: string;

beforeAll(async () => {
  ensureServiceRuntime();
  t = await tempApp();
  base = await listenLocal(t.app);
  worldId = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: PAIR_WORLD })).json().id;
  socket = io(base, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
});
afterAll(async () => {
  socket?.close();
  await t?.close();
});

const watchOn = (on: Socket<ServerToClientEvents, ClientToServerEvents>, payload: unknown) =>
  new Promise<WatchAck>((resolve) =>
    (on as unknown as Socket).emit('world:watch', payload, (ack: WatchAck) => resolve(ack)),
  );
const watch = (payload: unknown) => watchOn(socket, payload);

describe('world:watch', () => {
  it.each([
    ['nothing', undefined],
    ['a string', 'shop'],
    ['a number as world id', { worldId: 42 }],
    ['an unknown field', { worldId: 'x', extra: 1 }],
    ['an empty id', { worldId: '' }],
  ])('refuses %s with a reason', async (_what, payload) => {
    const ack = await watch(payload);
    expect(ack.ok).toBe(false);
    if (!ack.ok) expect(ack.error).toMatch(/expected \{ worldId: string \}/);
  });

  it('refuses a world that does not exist', async () => {
    expect(await watch({ worldId: 'nope-123456' })).toEqual({ ok: false, error: 'world "nope-123456" does not exist' });
  });

  it('answers ok and sends a service:status per service at once', async () => {
    const received: ServiceStatusEvent[] = [];
    const listener = (event: ServiceStatusEvent) => received.push(event);
    socket.on('service:status', listener);
    expect(await watch({ worldId })).toEqual({ ok: true });
    await waitFor('two statuses', () => (received.length >= 2 ? true : undefined), 2000);
    socket.off('service:status', listener);
    expect(received.map((e) => [e.id, e.state, e.rev, e.pid])).toEqual([
      ['caller', 'stopped', null, null],
      ['callee', 'stopped', null, null],
    ]);
    expect(received.every((e) => e.worldId === worldId)).toBe(true);
  });

  it('stops sending frames to a socket that unwatched, while one that watches keeps getting them', async () => {
    const deployed = await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` });
    expect(deployed.statusCode).toBe(202);
    const control = io(base, { transports: ['websocket'], reconnection: false });
    try {
      let watcherFrames = 0;
      let controlFrames = 0;
      socket.on('traffic:frame', () => watcherFrames++);
      control.on('traffic:frame', () => controlFrames++);
      expect(await watchOn(control, { worldId })).toEqual({ ok: true });
      expect(await watch({ worldId })).toEqual({ ok: true });
      await waitFor('frames to both', () => (watcherFrames > 0 && controlFrames > 0 ? true : undefined), 15_000);
      socket.emit('world:unwatch', { worldId });
      // The server handles a socket's events in order: once this ack is back, the unwatch has been done.
      expect(await watch({ worldId: 'nope-123456' })).toMatchObject({ ok: false });
      const [watcherAt, controlAt] = [watcherFrames, controlFrames];
      await waitFor(
        '10 more frames to the control',
        () => (controlFrames >= controlAt + 10 ? true : undefined),
        10_000,
      );
      expect(watcherFrames - watcherAt).toBe(0);
      expect(await t.app.io.in(`world:${worldId}`).fetchSockets()).toHaveLength(1);
    } finally {
      socket.off('traffic:frame');
      control.close();
      await t.app.inject({ method: 'DELETE', url: `/api/worlds/${worldId}/deploy` });
    }
  });

  it('survives garbage events and a watch without an ack', async () => {
    const raw = socket as unknown as Socket;
    raw.emit('world:watch', { worldId });
    raw.emit('world:unwatch', null);
    raw.emit('no:such-event', { a: 1 });
    expect(await watch({ worldId })).toEqual({ ok: true }); // still served after all that
    expect(socket.connected).toBe(true);
  });
});
