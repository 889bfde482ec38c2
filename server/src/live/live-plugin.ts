// The live view: socket.io attached to the app's HTTP server, typed end to end with the events of @dw/world.
// A browser watches a world (world:watch), receives a service:status per service at once and on every change,
// and while the world is deployed a traffic:frame every FRAME_INTERVAL_MS.
import { type ClientToServerEvents, type ServerToClientEvents, type WatchAck, WatchRequest } from '@dw/world';
import { Server } from 'socket.io';
import { type AccessOptions, socketRefusal, socketTokenRefusal } from '../http/access-guard.js';
import { sharedPlugin } from '../http/shared-plugin.js';
import { schemaProblems } from '../http/validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents>;
  }
}

export const roomOf = (worldId: string) => `world:${worldId}`;

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
      reply({ ok: true });
    });
    socket.on('world:unwatch', (request) => {
      if (invalidPayload(request)) return;
      void socket.leave(roomOf(request.worldId));
    });
  });

  const offStatus = app.deployer.onStatus((event) => io.to(roomOf(event.worldId)).emit('service:status', event));
  const offFrame = app.deployer.onFrame((frame) => io.to(roomOf(frame.worldId)).emit('traffic:frame', frame));

  // Before the HTTP server closes: end every socket.io connection (websockets would otherwise hold it open).
  app.addHook('preClose', async () => {
    offStatus();
    offFrame();
    io.disconnectSockets(true);
    io.engine.close();
  });
});
