// Test helper: a world saved, watched over a real socket.io connection, deployed as real processes, and ready.
import type {
  ClientToServerEvents,
  DeployStatus,
  ServerToClientEvents,
  TrafficFrame,
  WatchAck,
  World,
} from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { AppOptions } from '../app.js';
import { ensureServiceRuntime } from './service-runtime.js';
import { type TempApp, tempApp, waitFor } from './temp-app.js';

export interface DeployedWorld {
  t: TempApp;
  worldId: string;
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
}

/**
 * Every traffic:frame of the world is pushed onto `frames`; answers once every service is ready. `app` adds to
 * the controller's options; `onListening` hears its address before anything is deployed.
 */
export async function deployWatched(
  world: World,
  frames: TrafficFrame[],
  readyTimeoutMs = 20_000,
  more: { app?: Partial<AppOptions>; onListening?: (base: string) => void } = {},
): Promise<DeployedWorld> {
  ensureServiceRuntime();
  const t = await tempApp(more.app);
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  more.onListening?.(base);
  const created = await t.app.inject({ method: 'POST', url: '/api/worlds', payload: world });
  expect(created.statusCode, created.body).toBe(201);
  const worldId: string = created.json().id;
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
    transports: ['websocket'],
    reconnection: false,
  });
  socket.on('traffic:frame', (frame) => frames.push(frame));
  const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId }, resolve));
  expect(ack).toEqual({ ok: true });
  expect((await t.app.inject({ method: 'POST', url: `/api/worlds/${worldId}/deploy` })).statusCode).toBe(202);
  await waitFor(
    'every service ready',
    async () => {
      const status: DeployStatus = (await t.app.inject(`/api/worlds/${worldId}/deploy`)).json();
      return status.services.every((s) => s.state === 'ready') ? true : undefined;
    },
    readyTimeoutMs,
  );
  return { t, worldId, socket };
}
