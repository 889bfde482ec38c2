// The controller's door: Host (DNS rebinding), Origin (CSRF), the remote-mode token and the body limit,
// over app.inject and over a real socket (HTTP and socket.io).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_WORLD, TELEMETRY_TOKEN_HEADER } from '@dw/world';
import type { FastifyInstance } from 'fastify';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/raw-http.js';
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

// ---------------------------------------------------------------------------------------------------------------
// Remote mode, decided on the route the router matched: the guard must not read the URL text differently from
// the router (`/%61pi/worlds` IS `/api/worlds` to the router). Every route the app registers is found from the app
// itself (printRoutes), so a route added later is covered without anyone listing it here.

const raw = (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  rawRequest('127.0.0.2', port, method, path, headers, body);

interface RegisteredRoute {
  method: string;
  url: string;
}

/**
 * Every method and URL the app registered, read from `printRoutes({ commonPrefix: false })`: a tree whose lines
 * are 4 characters of drawing per depth, then the node's part of the URL and its methods. Fails loudly when a
 * line does not read as that, so a format change cannot quietly cover nothing.
 */
function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (line.trim() === '') continue;
    const match = /^((?:[│ ] {3})*)[└├]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) throw new Error(`printRoutes line not understood: ${JSON.stringify(line)}`);
    const depth = (match[1] ?? '').length / 4;
    const url = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

/** Other spellings of a path, each of which a router, a proxy or a browser may read as the same route. */
function spellings(path: string, port: number): string[] {
  const enc = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const segments = path.split('/').slice(1);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const out = new Set<string>();
  segments.forEach((segment, i) => {
    if (segment === '') return;
    for (const first of [enc(segment[0] ?? ''), enc(segment[0] ?? '').toUpperCase()]) {
      const parts = [...segments];
      parts[i] = first + segment.slice(1);
      out.add(join(parts)); // /%61pi/worlds, /api/%77orlds
    }
    const double = [...segments];
    double[i] = `%25${enc(segment[0] ?? '').slice(1)}${segment.slice(1)}`; // /%2561pi/worlds
    out.add(join(double));
    const semicolon = [...segments];
    semicolon[i] = `${segment};x=1`; // /api;x=1/worlds
    out.add(join(semicolon));
  });
  out.add(join(segments.map((s) => [...s].map(enc).join('')))); // every character encoded
  out.add(path.toUpperCase());
  out.add(
    path
      .split('')
      .map((c, i) => (i % 2 ? c.toUpperCase() : c))
      .join(''),
  );
  out.add(`/${path}`); // //api/worlds
  out.add(path.replace(/\//g, '//'));
  out.add(`/.${path}`); // /./api/worlds
  out.add(path.replace(/\//g, '/./'));
  out.add(`/x/..${path}`);
  out.add(`/%2e${path}`);
  out.add(`/${segments.join('%2f')}`);
  out.add(`/${segments.join('%2F')}`);
  out.add(`/${segments.join('\\')}`);
  out.add(`${path};`);
  out.add(`${path};jsessionid=1`);
  out.add(`${path}/`);
  out.add(`${path}?x=1`);
  out.add(`${path}#x`);
  out.add(`http://127.0.0.2:${port}${path}`); // absolute-form request target
  out.delete(path);
  return [...out];
}

describe('remote mode: the token rule follows the route the router matched, whatever the spelling', () => {
  let t: TempApp;
  let port: number;
  let webDir: string;
  let worldId: string;
  let serviceId: string;
  let routes: RegisteredRoute[];
  const auth = { authorization: `Bearer ${TOKEN}` };
  // the editor's files, as the static plugin serves them (a built web/dist has the same shape)
  const STATIC = ['/', '/index.html', '/assets/app.js', '/assets/app.css'];

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'dw-web-'));
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>editor</title>');
    await writeFile(join(webDir, 'assets', 'app.js'), 'console.log("editor")');
    await writeFile(join(webDir, 'assets', 'app.css'), 'body{}');
    // a runtime that does not exist: a deploy that gets through answers 503 and starts nothing
    t = await tempApp({ webDir, access: { token: TOKEN }, runtimePath: join(webDir, 'no-such-runtime.js') });
    await t.app.listen({ host: '127.0.0.2', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    const saved = await raw(
      port,
      'POST',
      '/api/worlds',
      { ...auth, 'content-type': 'application/json' },
      JSON.stringify(EXAMPLE_WORLD),
    );
    expect(saved.status).toBe(201);
    worldId = JSON.parse(saved.body).id;
    serviceId = EXAMPLE_WORLD.services[1]?.id ?? 'x';
    routes = registeredRoutes(t.app);
  });
  afterAll(async () => {
    await t.close();
    await rm(webDir, { recursive: true, force: true });
  });

  const concrete = (url: string, id = worldId) =>
    url
      .replace(/:id\b/g, id)
      .replace(/:serviceId\b/g, serviceId)
      .replace(/:traceId\b/g, '0af7651916cd43dd8448eb211c80319c')
      .replace(/:[A-Za-z]+/g, 'x')
      .replace(/\*/g, 'x');
  const bodyFor = (method: string): [Record<string, string>, string | undefined] =>
    method === 'POST' || method === 'PUT' || method === 'PATCH'
      ? [{ 'content-type': 'application/json' }, '{}']
      : [{}, undefined];
  const isStatic = (url: string) => STATIC.includes(url);
  const isTelemetry = (url: string) => url === '/api/telemetry';

  it('finds every route the app registers (the enumeration itself works)', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const expected of ['/api/worlds', '/api/worlds/:id/deploy', '/metrics', '/api/live', ...STATIC]) {
      expect(urls, expected).toContain(expected);
    }
    expect(routes.length).toBeGreaterThan(40);
  });

  it('answers nothing but 401, 403 or 404 without the token, on every route in every spelling', async () => {
    const leaks: string[] = [];
    // deletions last, so that a leak of one does not hide the others
    const ordered = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    let sent = 0;
    for (const route of ordered) {
      if (isStatic(route.url) || isTelemetry(route.url)) continue;
      const path = concrete(route.url);
      const [headers, body] = bodyFor(route.method);
      const canonical = await raw(port, route.method, path, headers, body);
      sent++;
      if (canonical.status !== 401) leaks.push(`${route.method} ${path} -> ${canonical.status} (wanted 401)`);
      for (const spelling of spellings(path, port)) {
        const answer = await raw(port, route.method, spelling, headers, body);
        sent++;
        if (![401, 403, 404].includes(answer.status)) {
          leaks.push(`${route.method} ${spelling} -> ${answer.status} ${answer.body.slice(0, 80)}`);
        }
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(leaks).toEqual([]);
  });

  it('refuses a wrong token with 403 on every route but the editor files and telemetry', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      if (isStatic(route.url) || isTelemetry(route.url)) continue;
      const [headers, body] = bodyFor(route.method);
      const path = concrete(route.url, 'no-such-world');
      const answer = await raw(port, route.method, path, { ...headers, authorization: 'Bearer not-the-token' }, body);
      if (answer.status !== 403) wrong.push(`${route.method} ${path} -> ${answer.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lets every route through with the token', async () => {
    const refused: string[] = [];
    for (const route of routes) {
      const [headers, body] = bodyFor(route.method);
      // reads on the saved world; anything that changes things on a world that does not exist
      const readOnly = route.method === 'GET' || route.method === 'HEAD';
      const path = concrete(route.url, readOnly ? worldId : 'no-such-world');
      const answer = await raw(port, route.method, path, { ...headers, ...auth }, body);
      if (answer.status === 401 || answer.status === 403) refused.push(`${route.method} ${path} -> ${answer.status}`);
    }
    expect(refused).toEqual([]);
    for (const path of ['/api/worlds', `/api/worlds/${worldId}`, '/metrics', '/api/live', '/api/health']) {
      expect((await raw(port, 'GET', path, auth)).status, path).toBe(200);
    }
    // the router's own decoding, with the token: the same route
    expect((await raw(port, 'GET', '/%61pi/worlds', auth)).status).toBe(200);
  });

  it('serves the editor files without the token, and telemetry answers to its own token only', async () => {
    for (const path of STATIC) {
      for (const method of ['GET', 'HEAD'])
        expect((await raw(port, method, path)).status, `${method} ${path}`).toBe(200);
    }
    expect((await raw(port, 'GET', '/')).body).toContain('<title>editor</title>');
    // telemetry needs no controller token: it reaches its own checks (here its schema), however spelled
    for (const path of ['/api/telemetry', '/%61pi/telemetry']) {
      const answer = await raw(port, 'POST', path, { 'content-type': 'application/json' }, '{}');
      expect(answer.status, path).toBe(400);
    }
  });

  it('answers an unknown path with 401 without the token, and as before with it', async () => {
    for (const path of [
      '/nothing',
      '/api/nothing',
      '/%61pi/nothing',
      '/assets/missing.js',
      '/%73ocket.io/?EIO=4&transport=polling',
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await raw(port, method, path);
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(answer.body, `${method} ${path}`).not.toContain('<title>');
      }
    }
    expect((await raw(port, 'GET', '/api/nothing', auth)).status).toBe(404);
    expect((await raw(port, 'GET', '/somewhere', auth)).body).toContain('<title>editor</title>'); // SPA fallback
  });

  it('leaves the socket.io handshake to socket.io, which wants the token', async () => {
    // engine.io answers its own path before the router; the socket itself then needs auth.token
    expect((await raw(port, 'GET', '/socket.io/?EIO=4&transport=polling')).status).toBe(200);
    const attempt = (auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connect(`http://127.0.0.2:${port}`, { transports: ['polling'], auth, reconnection: false });
        const done = (result: string) => {
          socket.close();
          resolve(result);
        };
        socket.on('connect', () => done('connected'));
        socket.on('connect_error', (error) => done(`refused: ${error.message}`));
      });
    expect(await attempt({})).toMatch(/refused: .*token/);
    expect(await attempt({ token: TOKEN })).toBe('connected');
  });
});

describe('remote mode: deny by default', () => {
  it('protects a route nobody marked, as one added later would be', async () => {
    const t = await tempApp({ access: { token: TOKEN } });
    try {
      t.app.get('/added-later', async () => ({ secret: true }));
      t.app.post('/api/added-later', async () => ({ done: true }));
      await t.app.listen({ host: '127.0.0.2', port: 0 });
      const port = (t.app.server.address() as AddressInfo).port;
      for (const [method, path] of [
        ['GET', '/added-later'],
        ['GET', '/%61dded-later'],
        ['POST', '/api/added-later'],
        ['POST', '/%61pi/added-later'],
      ] as const) {
        expect((await raw(port, method, path)).status, `${method} ${path}`).toBe(401);
        expect((await raw(port, method, path, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      }
    } finally {
      await t.close();
    }
  });
});

describe('the compose observer (remote mode, answering to its loopback names)', () => {
  const telemetryToken = 'a-telemetry-token-of-enough-length';
  let t: TempApp;
  let port: number;
  const auth = { authorization: `Bearer ${TOKEN}` };
  beforeAll(async () => {
    t = await tempApp({
      observe: { worldId: 'shop-abc123', rev: 1, world: EXAMPLE_WORLD, token: telemetryToken },
      access: { token: TOKEN, hosts: ['127.0.0.1', 'localhost', '[::1]'], telemetryHosts: ['dw-observer'] },
    });
    await t.app.listen({ host: '127.0.0.2', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => t.close());

  it('answers to 127.0.0.1, localhost and [::1] at any port (the host port is mapped), with the token', async () => {
    for (const host of ['127.0.0.1:4401', 'localhost:4401', '[::1]:4401', 'LOCALHOST:9', '127.0.0.1']) {
      expect((await raw(port, 'GET', '/api/worlds', { host, ...auth })).status, host).toBe(200);
      expect((await raw(port, 'GET', '/api/worlds', { host })).status, host).toBe(401);
      expect((await raw(port, 'GET', '/%61pi/worlds', { host })).status, host).toBe(401);
      expect((await raw(port, 'GET', '/metrics', { host })).status, host).toBe(401);
    }
  });

  it('refuses any other Host, token or not, as a DNS-rebound page would send it', async () => {
    for (const host of ['evil.example:4401', '127.0.0.1.nip.io:4401', 'dw-observer:4400', '127.0.0.2:4401']) {
      const answer = await raw(port, 'GET', '/api/worlds', { host, ...auth });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body).error).toBe('forbidden-host');
    }
    // nor the socket.io handshake
    const handshake = (host: string) => raw(port, 'GET', '/socket.io/?EIO=4&transport=polling', { host });
    expect((await handshake('evil.example:4401')).status).toBe(403);
    expect((await handshake('127.0.0.1:4401')).status).toBe(200);
  });

  it('takes telemetry at its service name (the services call http://dw-observer:4400), and only telemetry', async () => {
    const batch = {
      worldId: 'shop-abc123',
      serviceId: 'orders',
      rev: 1,
      pid: 1,
      seq: 0,
      at: Date.now(),
      windowMs: 250,
      ready: true,
      calls: [],
      inbound: [],
      refusals: [],
    };
    const post = (host: string, path = '/api/telemetry', seq = 0) =>
      raw(
        port,
        'POST',
        path,
        { host, 'content-type': 'application/json', [TELEMETRY_TOKEN_HEADER]: telemetryToken },
        JSON.stringify({ ...batch, seq }),
      );
    // no controller token: the batch carries its deployment's secret, which the route checks
    expect((await post('dw-observer:4400')).status).toBe(204);
    expect((await post('127.0.0.1:4401', '/api/telemetry', 1)).status).toBe(204);
    for (const [host, path] of [
      ['evil.example:4400', '/api/telemetry'],
      ['dw-observer:4400', '/api/worlds'], // its service name is for telemetry only
    ] as const) {
      const answer = await post(host, path);
      expect(answer.status, `${host} ${path}`).toBe(403);
      expect(JSON.parse(answer.body).error).toBe('forbidden-host');
    }
  });
});
