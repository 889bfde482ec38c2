// The live view: socket.io attached to the app's HTTP server, typed end to end with the events of @dw/world.
// A browser watches a world (world:watch), receives a service:status per service at once and on every change,
// each step of each service a deploy starts (deploy:progress: the latest ones at once, then as they happen),
// and while the world is deployed a traffic:frame every FRAME_INTERVAL_MS.

import type { Duplex } from 'node:stream';
import {
  type ClientToServerEvents,
  LiveStats,
  type LogsAck,
  LogsRequest,
  type ServerToClientEvents,
  type WatchAck,
  WatchRequest,
} from '@dw/world';
import { type Socket as IoSocket, Server } from 'socket.io';
import { type AccessOptions, socketRefusal, socketTokenRefusal } from '../http/access-guard.js';
import { sharedPlugin } from '../http/shared-plugin.js';
import { schemaProblems } from '../http/validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents>;
    liveStats: FrameCounts;
  }
}

/** The frame counts of GET /api/live (LiveStats in @dw/world), kept as frames are sent. */
export type FrameCounts = Omit<LiveStats, 'watchers'>;

/**
 * True while a socket has not taken what was last sent to it. Frames are replaced every interval, so such a
 * socket is skipped rather than queued for: a browser that stops reading costs the controller nothing.
 */
function isBacklogged(socket: IoSocket): boolean {
  // engine.io keeps packets it could not write yet in writeBuffer (private in its types, stable since 1.x).
  const pending = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
  return !socket.conn.transport.writable || pending > 0;
}

export const roomOf = (worldId: string) => `world:${worldId}`;
const logsRoomOf = (worldId: string, serviceId: string) => `logs:${worldId}\n${serviceId}`;

function invalidPayload(payload: unknown): string | null {
  const problems = schemaProblems(WatchRequest, payload);
  if (problems.length === 0) return null;
  return `expected { worldId: string }: ${problems.map((p) => `${p.pointer || '(payload)'} ${p.message}`).join('; ')}`;
}

export interface LivePluginOptions {
  access: AccessOptions;
}

export const livePlugin = sharedPlugin<LivePluginOptions>('live', async (app, options) => {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(app.server, {
    serveClient: false,
    // Same origin in production; Vite's dev server proxies /socket.io.
    maxHttpBufferSize: 64 * 1024,
    // The controller's own pages only: same Host and Origin rules as the HTTP API (access-guard.ts).
    allowRequest: (request, callback) => {
      const refusal = socketRefusal(request, options.access);
      callback(refusal === null ? null : refusal.body.message, refusal === null);
    },
  });
  io.use((socket, next) => {
    const refusal = socketTokenRefusal((socket.handshake.auth as { token?: unknown }).token, options.access);
    next(refusal === null ? undefined : new Error(refusal));
  });
  app.decorate('io', io);
  const stats: FrameCounts = { framesSent: 0, framesDropped: 0 };
  app.decorate('liveStats', stats);

  io.on('connection', (socket) => {
    socket.on('world:watch', (request, ack) => {
      const reply = (result: WatchAck) => {
        if (typeof ack === 'function') ack(result);
      };
      const invalid = invalidPayload(request);
      if (invalid) return reply({ ok: false, error: invalid });
      const { worldId } = request;
      if (!app.worldStore.get(worldId)) return reply({ ok: false, error: `world "${worldId}" does not exist` });
      void socket.join(roomOf(worldId));
      for (const event of app.deployer.statusEvents(worldId)) socket.emit('service:status', event);
      for (const event of app.deployer.progressEvents(worldId)) socket.emit('deploy:progress', event);
      socket.emit('faults:changed', app.deployer.faultList(worldId));
      reply({ ok: true });
    });
    // One service's output, live: what is kept so far in the ack, then every new line.
    socket.on('logs:watch', (request, ack) => {
      const reply = (result: LogsAck) => {
        if (typeof ack === 'function') ack(result);
      };
      const problems = schemaProblems(LogsRequest, request);
      if (problems.length > 0) {
        return reply({
          ok: false,
          error: `expected { worldId, serviceId }: ${problems.map((p) => `${p.pointer || '(payload)'} ${p.message}`).join('; ')}`,
        });
      }
      const lines = app.deployer.find(request.worldId)?.logsOf(request.serviceId);
      if (!lines) {
        return reply({
          ok: false,
          error: `"${request.serviceId}" is not a running service of world "${request.worldId}"`,
        });
      }
      void socket.join(logsRoomOf(request.worldId, request.serviceId));
      reply({ ok: true, lines });
    });
    socket.on('logs:unwatch', (request) => {
      if (schemaProblems(LogsRequest, request).length > 0) return;
      void socket.leave(logsRoomOf(request.worldId, request.serviceId));
    });
    socket.on('world:unwatch', (request) => {
      if (invalidPayload(request)) return;
      void socket.leave(roomOf(request.worldId));
    });
  });

  const { events } = app.deployer;
  const offStatus = events.on('status', (event) => io.to(roomOf(event.worldId)).emit('service:status', event));
  const offProgress = events.on('progress', (event) => io.to(roomOf(event.worldId)).emit('deploy:progress', event));
  const offFaults = events.on('faults', (list) => io.to(roomOf(list.worldId)).emit('faults:changed', list));
  const offLog = events.on('log', (line) => io.to(logsRoomOf(line.worldId, line.id)).emit('service:log', line));
  const offFrame = events.on('frame', (frame) => {
    const watchers = io.sockets.adapter.rooms.get(roomOf(frame.worldId));
    for (const id of watchers ?? []) {
      const socket = io.sockets.sockets.get(id);
      if (!socket) continue;
      if (isBacklogged(socket)) {
        stats.framesDropped++;
      } else {
        stats.framesSent++;
        socket.emit('traffic:frame', frame);
      }
    }
  });

  app.get('/api/live', { schema: { response: { 200: LiveStats } } }, async () => ({
    watchers: io.sockets.sockets.size,
    ...stats,
  }));

  // Websocket connections, tracked so that closing never waits on a browser that stopped reading (a clean
  // websocket close needs the peer to read, and ws would wait 30 s for it).
  const upgraded = new Set<Duplex>();
  app.server.on('upgrade', (_request: unknown, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });

  // Before the HTTP server closes: end every socket.io connection (websockets would otherwise hold it open).
  app.addHook('preClose', async () => {
    offStatus();
    offProgress();
    offFaults();
    offFrame();
    offLog();
    io.disconnectSockets(true);
    io.engine.close();
    if (upgraded.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const socket of upgraded) socket.destroy();
  });
});
