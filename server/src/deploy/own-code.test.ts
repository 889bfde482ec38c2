// A world running the person's own code, deployed for real: a checkout whose handler calls payments (a built-in
// service) and api (a Python program behind its sidecar), and api calling payments through its egress. The
// traffic of every link shows in the live frames, a fault on the program's link applies to its egress calls;
// in remote mode such a world is refused unless the controller was started to allow it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorBody, TrafficFrame, World, WorldRecord } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveController, liveController } from '../testing/live-world.js';
import { ensureServiceRuntime } from '../testing/service-runtime.js';
import { listenLocal, tempApp } from '../testing/temp-app.js';

const PROGRAM = `
import json, os, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('content-length') or 0))
        headers = {k: self.headers[k] for k in ('traceparent', 'x-dw-hops') if self.headers[k]}
        req = urllib.request.Request('http://127.0.0.1:' + os.environ['DW_EGRESS'] + '/payments/', data=b'', headers=headers, method='POST')
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                status = res.status
        except urllib.error.HTTPError as err:
            status = err.code
        data = json.dumps({'api': 'python', 'payments': status}).encode()
        self.send_response(200 if status == 200 else 502)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler).serve_forever()
`;

const CHECKOUT = `
export default async (request, ctx) => {
  const [paid, api] = await Promise.all([ctx.call('payments'), ctx.call('api', { body: { order: 1 } })]);
  const ok = paid.status === 200 && api.status === 200;
  return { status: ok ? 200 : 502, body: { paid: paid.status, api: api.json() } };
};`;

function ownWorld(dir: string): World {
  return {
    version: 1,
    name: 'own code',
    services: [
      { id: 'shoppers', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 10 } },
      { id: 'checkout', kind: 'service', position: { x: 200, y: 0 }, config: { handler: CHECKOUT } },
      { id: 'payments', kind: 'service', position: { x: 400, y: 0 }, config: { latencyMs: 1 } },
      { id: 'api', kind: 'process', position: { x: 400, y: 200 }, config: { command: 'python3 api.py', cwd: dir } },
    ],
    links: [
      { id: 'l-shop', from: 'shoppers', to: 'checkout' },
      { id: 'l-pay', from: 'checkout', to: 'payments' },
      { id: 'l-api', from: 'checkout', to: 'api' },
      { id: 'l-egress', from: 'api', to: 'payments' },
    ],
  };
}

const over = (frames: TrafficFrame[], linkId: string, field: 'requests' | 'errors') =>
  frames.reduce((n, f) => n + (f.links.find((l) => l.id === linkId)?.[field] ?? 0), 0);

describe('a world with a handler and a process node, deployed', () => {
  let live: LiveController;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dw-own-code-'));
    writeFileSync(join(dir, 'api.py'), PROGRAM);
    live = await liveController();
  });
  afterAll(async () => {
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries traffic over every link, through the handler and the program; a fault applies to the egress', async () => {
    const w = await live.deploy(ownWorld(dir));
    const links = ['l-shop', 'l-pay', 'l-api', 'l-egress'];
    const frames = await w.framesUntil(
      'calls on every link',
      (f) => links.every((id) => over(f, id, 'requests') >= 20),
      30_000,
    );
    for (const id of links) expect(over(frames, id, 'errors'), id).toBe(0);

    // a partition of api's link to payments: its egress calls fail at once, so api answers 502, and checkout too
    const fault = await live.api('POST', `/api/worlds/${w.id}/faults`, { kind: 'partition', linkId: 'l-egress' });
    expect(fault.status, JSON.stringify(fault.body)).toBe(201);
    const cut = await w.framesUntil('errors on the cut link', (f) => over(f, 'l-egress', 'errors') >= 10, 20_000);
    expect(over(cut, 'l-api', 'errors')).toBeGreaterThan(0);
    expect(over(cut, 'l-pay', 'errors')).toBe(0);
  }, 90_000);
});

describe('own code in remote mode', () => {
  const TOKEN = 'a-test-token-of-enough-length';
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const world: World = {
    version: 1,
    name: 'handler only',
    services: [{ id: 'checkout', kind: 'service', position: { x: 0, y: 0 }, config: { handler: CHECKOUT } }],
    links: [],
  };

  it('is refused unless the controller was started to allow it, before anything starts', async () => {
    ensureServiceRuntime();
    const t = await tempApp({ access: { token: TOKEN } });
    try {
      // a handler and a command: both named in the refusal
      const both: World = {
        ...world,
        services: [
          ...world.services,
          { id: 'api', kind: 'process', position: { x: 0, y: 100 }, config: { command: 'python3 api.py' } },
        ],
      };
      const created = await t.app.inject({ method: 'POST', url: '/api/worlds', headers, payload: both });
      expect(created.statusCode).toBe(201);
      const { id } = created.json<WorldRecord>();
      const refused = await t.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy`, headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<ErrorBody>()).toMatchObject({
        error: 'own-code-refused',
        message: expect.stringContaining('("checkout": its handler, "api": the command "python3 api.py")'),
      });
      expect(t.app.deployer.find(id)).toBeUndefined();
    } finally {
      await t.close();
    }

    const allowed = await tempApp({ access: { token: TOKEN }, allowOwnCode: true });
    try {
      await listenLocal(allowed.app);
      const created = await allowed.app.inject({ method: 'POST', url: '/api/worlds', headers, payload: world });
      const { id } = created.json<WorldRecord>();
      const deployed = await allowed.app.inject({ method: 'POST', url: `/api/worlds/${id}/deploy`, headers });
      expect(deployed.statusCode, deployed.body).toBe(202);
    } finally {
      await allowed.close();
    }
  });
});
