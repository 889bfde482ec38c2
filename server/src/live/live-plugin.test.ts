import type { ClientToServerEvents, ServerToClientEvents, ServiceStatusEvent, WatchAck } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempApp, tempApp, waitFor } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
let worldId: string;

beforeAll(async () => {
  t = await tempApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  worldId = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: PAIR_WORLD })).json().id;
  socket = io(`http://127.0.0.1:${address.port}`, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
});
afterAll(async () => {
  socket?.close();
  await t?.close();
});

const watch = (payload: unknown) =>
  new Promise<WatchAck>((resolve) =>
    (socket as unknown as Socket).emit('world:watch', payload, (ack: WatchAck) => resolve(ack)),
  );

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

  it('stops sending to a socket that unwatched', async () => {
    socket.emit('world:unwatch', { worldId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rooms = await t.app.io.in(`world:${worldId}`).fetchSockets();
    expect(rooms).toHaveLength(0);
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
