// Test helper: a TCP proxy in front of the controller that passes traffic, holds the controller's answers back
// (requests still arrive, so the sender times out on a POST that was delivered), or refuses connections.
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'hold' | 'refuse';

export interface StallingProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  setMode(mode: ProxyMode): void;
  /** Chunks of answers the controller sent that were held back (never reached the sender). */
  readonly withheld: number;
  /** Connections refused. */
  readonly refused: number;
  close(): Promise<void>;
}

/** `target` is asked at each connection, so the proxy can start before the controller listens. */
export async function stallingProxy(target: () => number): Promise<StallingProxy> {
  let mode: ProxyMode = 'pass';
  let withheld = 0;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (mode === 'refuse') {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(target(), '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) socket.on('error', end).on('close', end);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (mode === 'pass') client.write(chunk);
      else withheld++;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
      if (next === 'refuse') for (const socket of sockets) socket.destroy();
    },
    get withheld() {
      return withheld;
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
