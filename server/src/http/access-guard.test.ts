// The controller's door: Host (DNS rebinding), Origin (CSRF), the remote-mode token and the body limit,
// over app.inject and over a real socket (HTTP and socket.io).
import { EXAMPLE_WORLD } from '@dw/world';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempApp, tempApp } from '../testing/temp-app.js';

const TOKEN = 'a-test-token-of-enough-length';

describe('loopback mode (the default)', () => {
  let t: TempApp;
  let base: string;
  let port: number;
  beforeAll(async () => {
    t = await tempApp({ bodyLimit: 64 * 1024 });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(base).port);
  });
  afterAll(async () => t.close());

  it('answers its own loopback names at its own port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const response = await t.app.inject({ url: '/api/worlds', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    expect((await fetch(`${base}/api/worlds`)).status).toBe(200);
  });

  it('refuses any other Host, as a DNS-rebound page would send it', async () => {
    const { request } = await import('node:http');
    const statusFor = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/worlds', headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1']) {
      const { status, body } = await statusFor(host);
      expect(status, host).toBe(403);
      expect(JSON.parse(body).error).toBe('forbidden-host');
    }
    // the editor itself is no exception: a rebound page must not even read it
    expect((await statusFor(`evil.example:${port}`)).status).toBe(403);
  });

  it('refuses state changes from another Origin, and accepts them from its own or with none', async () => {
    const host = `127.0.0.1:${port}`;
    const post = (origin?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/worlds',
        headers: origin === undefined ? { host } : { host, origin },
        payload: EXAMPLE_WORLD,
      });
    for (const origin of ['http://evil.example', 'null', `http://localhost:${port}`, `http://127.0.0.1:${port + 1}`]) {
      const response = await post(origin);
      expect(response.statusCode, origin).toBe(403);
      expect(response.json().error).toBe('forbidden-origin');
    }
    expect((await post(`http://${host}`)).statusCode).toBe(201);
    expect((await post()).statusCode).toBe(201);
    // reading is not state-changing: a cross-origin GET is only refused by the browser's CORS rules
    const read = await t.app.inject({ url: '/api/worlds', headers: { host, origin: 'http://evil.example' } });
    expect(read.statusCode).toBe(200);
    const remove = await t.app.inject({
      method: 'DELETE',
      url: '/api/worlds/whatever',
      headers: { host, origin: 'http://evil.example' },
    });
    expect(remove.statusCode).toBe(403);
  });

  it('answers a body over the limit with a 413 that says the limit', async () => {
    const big = { ...EXAMPLE_WORLD, name: 'x'.repeat(70 * 1024) };
    const response = await fetch(`${base}/api/worlds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(big),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('body-too-large');
    expect(body.message).toContain(String(64 * 1024));
  });

  it('lets socket.io connect from its own origin and refuses another', async () => {
    const attempt = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(base, { transports: ['websocket'], extraHeaders: { origin }, reconnection: false });
        const done = (result: string) => {
          socket.close();
          resolve(result);
        };
        socket.on('connect', () => done('connected'));
        socket.on('connect_error', (error) => done(`refused: ${error.message}`));
      });
    expect(await attempt(base)).toBe('connected');
    expect(await attempt('http://evil.example')).toMatch(/^refused/);
  });
});

describe('remote mode (a token on every API call and socket)', () => {
  let t: TempApp;
  let base: string;
  beforeAll(async () => {
    t = await tempApp({ access: { token: TOKEN } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('refuses API calls without the token (401) or with another (403), whatever the Host', async () => {
    const host = 'dw.lan:4400';
    const none = await t.app.inject({ url: '/api/worlds', headers: { host } });
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toContain('token');
    const wrong = await t.app.inject({ url: '/api/worlds', headers: { host, authorization: 'Bearer wrong-token' } });
    expect(wrong.statusCode).toBe(403);
    const right = await t.app.inject({ url: '/api/worlds', headers: { host, authorization: `Bearer ${TOKEN}` } });
    expect(right.statusCode).toBe(200);
    const unknown = await t.app.inject({ url: '/api/nothing-here', headers: { host } });
    expect(unknown.statusCode).toBe(401);
  });

  it('still refuses another Origin with the token, and leaves telemetry to its deployment token', async () => {
    const host = 'dw.lan:4400';
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/worlds',
      headers: { host, origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` },
      payload: EXAMPLE_WORLD,
    });
    expect(post.statusCode).toBe(403);
    const own = await t.app.inject({
      method: 'POST',
      url: '/api/worlds',
      headers: { host, origin: `http://${host}`, authorization: `Bearer ${TOKEN}` },
      payload: EXAMPLE_WORLD,
    });
    expect(own.statusCode).toBe(201);
    // telemetry without the controller token reaches its own checks (here the schema's 400), not a 401
    const telemetry = await t.app.inject({ method: 'POST', url: '/api/telemetry', headers: { host }, payload: {} });
    expect(telemetry.statusCode).toBe(400);
  });

  it('connects a socket only with the token', async () => {
    const attempt = (auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connect(base, { transports: ['websocket'], auth, reconnection: false });
        const done = (result: string) => {
          socket.close();
          resolve(result);
        };
        socket.on('connect', () => done('connected'));
        socket.on('connect_error', (error) => done(`refused: ${error.message}`));
      });
    expect(await attempt({ token: TOKEN })).toBe('connected');
    expect(await attempt({})).toMatch(/refused: .*token/);
    expect(await attempt({ token: 'wrong-token' })).toMatch(/refused: .*not the controller token/);
  });
});
