// readBody over real sockets: a whole body, one past the limit, and an upload cut halfway (which must end the
// read, not leave it pending with what it had buffered). The one reader of the services (server.ts, the gateway's
// door, a process's sidecar and egress).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody, refuseBody } from './plain-http.js';

const LIMIT = 1024;
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A server whose one request's readBody result is handed back (or 'pending' after `waitMs`). */
async function serveOnce(waitMs: number) {
  let settle!: (v: Buffer | null | 'pending') => void;
  const result = new Promise<Buffer | null | 'pending'>((r) => {
    settle = r;
  });
  server = http.createServer((req, res) => {
    const timer = setTimeout(() => settle('pending'), waitMs);
    void readBody(req, LIMIT).then((body) => {
      clearTimeout(timer);
      settle(body);
      res.end(body === null ? 'null' : String(body.length));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, result };
}

function send(port: number, declared: number, chunks: Buffer[], cut: boolean) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    agent: false,
    headers: { 'content-length': declared },
  });
  req.on('error', () => {});
  for (const c of chunks) req.write(c);
  if (cut) setTimeout(() => req.destroy(), 100);
  else req.end();
}

describe('readBody', () => {
  it('reads a whole body within the limit', async () => {
    const { port, result } = await serveOnce(5000);
    send(port, LIMIT, [Buffer.alloc(LIMIT, 1)], false);
    expect(((await result) as Buffer).length).toBe(LIMIT);
  });

  it('answers null for a body one byte over the limit', async () => {
    const { port, result } = await serveOnce(5000);
    send(port, LIMIT + 1, [Buffer.alloc(LIMIT + 1, 1)], false);
    expect(await result).toBeNull();
  });

  it('answers null when the sender cuts the connection halfway, instead of waiting for ever', async () => {
    const { port, result } = await serveOnce(3000);
    send(port, LIMIT, [Buffer.alloc(LIMIT / 2, 1)], true);
    expect(await result).toBeNull();
  });
});

describe('refuseBody', () => {
  it('answers 413 to a body far over the limit, then ends the connection: the sender reads the answer, not a reset', async () => {
    server = http.createServer((req, res) => {
      void readBody(req, LIMIT).then((body) => {
        if (body === null) refuseBody(req, res, LIMIT);
        else res.end('ok');
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const size = 256 * LIMIT; // more than one socket buffer: the sender is still writing when the answer comes
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string } | Error>(
      (resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', agent: false, headers: { 'content-length': size } },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
          },
        );
        req.on('error', (error) => resolve(error));
        req.end(Buffer.alloc(size, 1));
      },
    );
    expect(answer).not.toBeInstanceOf(Error);
    expect(answer).toMatchObject({ status: 413, connection: 'close' });
    expect(JSON.parse((answer as { body: string }).body)).toEqual({
      error: 'too-large',
      message: `bodies are at most ${LIMIT} bytes`,
    });
  });
});
