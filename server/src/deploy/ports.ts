// Free TCP ports on the loopback interface: bind port 0 for each, read the port, release them together.
import { createServer, type Server } from 'node:net';

/** Ports handed out recently, not handed out again for a while (a child may not have bound yet). */
const recent = new Map<number, number>();
const RECENT_MS = 30_000;

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

export async function allocatePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const now = Date.now();
  for (const [port, at] of recent) if (now - at > RECENT_MS) recent.delete(port);
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Bounded: each round holds its servers open, so the OS never hands out the same port twice in it.
    for (let round = 0; ports.length < count && round < count + 100; round++) {
      const server = await listen(host);
      held.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') continue;
      if (recent.has(address.port)) continue;
      ports.push(address.port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
  if (ports.length < count) throw new Error(`could not find ${count} free ports on ${host}`);
  for (const port of ports) recent.set(port, now);
  return ports;
}
