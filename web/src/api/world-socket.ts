// The typed socket.io connection: event names and payloads come from @dw/world's event maps.
import type { ClientToServerEvents, ServerToClientEvents } from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { controllerToken } from './controller-token';

export type WorldSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects to the controller on the page's own origin (the dev server proxies /socket.io). */
export function connectWorldSocket(): WorldSocket {
  const token = controllerToken();
  return io({ path: '/socket.io', reconnectionDelayMax: 3000, ...(token ? { auth: { token } } : {}) });
}
