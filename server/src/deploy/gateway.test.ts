// The gateway kind with real processes: a door on 127.0.0.1 that forwards /<service>/<path> over mutual TLS to
// the services it links to, answers 404 with its routes for anything else, and shows both in the live frames.
import { execFile } from 'node:child_process';
import * as https from 'node:https';
import { promisify } from 'node:util';
import { OUTSIDE_ID, type World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveController, type LiveWorld, liveController } from '../testing/live-world.js';
import { waitFor } from '../testing/temp-app.js';

const run = promisify(execFile);

/** curl against the door: status and body, nothing else (the real client a user would try first). */
async function curl(url: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code}', ...args, url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

const world = (tls = false): World => ({
  version: 1,
  name: 'door',
  services: [
    { id: 'gw', kind: 'gateway', position: { x: 0, y: 0 }, config: tls ? { tls: true } : {} },
    { id: 'orders', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1 } },
    { id: 'payments', kind: 'service', position: { x: 400, y: 0 }, config: { latencyMs: 1 } },
    { id: 'inventory', kind: 'service', position: { x: 200, y: 150 }, config: { latencyMs: 1 } },
  ],
  links: [
    { id: 'g1', from: 'gw', to: 'orders' },
    { id: 'o1', from: 'orders', to: 'payments' },
  ],
});

describe('a gateway', () => {
  let c: LiveController;
  let live: LiveWorld;
  let door: string;

  beforeAll(async () => {
    c = await liveController();
    live = await c.deploy(world());
    const port = (await live.status()).services.find((s) => s.id === 'gw')?.port;
    expect(port).toBeTypeOf('number');
    door = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(() => c?.close());

  it('counts every forwarded call on its link and every refused path on the gateway, in the live frames', async () => {
    const before = live.frames.length;
    const sent = 25;
    for (let i = 0; i < sent; i++) expect((await curl(`${door}/orders/${i}`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await curl(`${door}/inventory/`)).status).toBe(404);
    const since = () => live.frames.slice(before);
    const linkTotal = (key: 'requests' | 'errors') =>
      since().reduce((n, f) => n + (f.links.find((l) => l.id === 'g1')?.[key] ?? 0), 0);
    const refusals = () => since().flatMap((f) => f.refusals.filter((r) => r.to === 'gw'));
    await waitFor('the calls and refusals in the frames', () =>
      linkTotal('requests') >= sent && refusals().reduce((n, r) => n + r.count, 0) >= 3 ? true : undefined,
    );
    // one more frame, so that a late double count would show
    await live.framesUntil('one more frame', (seen) => seen.length > 1);
    const link = linkTotal('requests');
    const errors = linkTotal('errors');
    const all = since();
    expect(link).toBe(sent);
    expect(errors).toBe(0);
    expect(refusals().every((r) => r.from === OUTSIDE_ID && r.reason === 'no-route')).toBe(true);
    expect(refusals().reduce((n, r) => n + r.count, 0)).toBe(3);
    // The door's requests are what the gateway accepted; orders accepted each one from the gateway.
    const acceptedByGw = all.reduce((n, f) => n + (f.services.find((s) => s.id === 'gw')?.accepted ?? 0), 0);
    expect(acceptedByGw).toBe(sent);
  });

  it('forwards /<service>/<path> to a linked service over mTLS and answers with its answer', async () => {
    const answer = await curl(`${door}/orders/carts/42?x=1`, '-X', 'POST', '-d', '{"item":1}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, serviceId: 'orders' });
  });

  it('answers 404 naming its routes for a service no link of its leads to, and for a malformed path', async () => {
    for (const path of ['/inventory/', '/payments/x', '/%6frders/', '//orders/', '/ORDERS/', '/nobody']) {
      const answer = await curl(`${door}${path}`);
      expect(answer.status, path).toBe(404);
      const body = JSON.parse(answer.body);
      expect(body.error, path).toBe('no-route');
      expect(body.routes, path).toEqual(['/orders/']);
    }
    const index = await curl(`${door}/`);
    expect(index.status).toBe(200);
    expect(JSON.parse(index.body)).toEqual({ gateway: 'gw', routes: ['/orders/'] });
  });

  it('carries the trace from the door to the last hop', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await curl(`${door}/orders/traced`, '-H', `traceparent: 00-${traceId}-00f067aa0ba902b7-01`);
    expect(answer.status).toBe(200);
    const trace = await waitFor(
      'the trace with every hop',
      async () => {
        const got = await c.api<{ spans: { service: string; kind: string; to?: string }[] }>(
          'GET',
          `/api/worlds/${live.id}/traces/${traceId}`,
        );
        return got.status === 200 && got.body.spans.length >= 5 ? got.body : undefined;
      },
      10_000,
    );
    const hops = trace.spans.map((s) => `${s.service}:${s.kind}${s.to ? `>${s.to}` : ''}`).sort();
    expect(hops).toEqual([
      'gw:client>orders',
      'gw:server',
      'orders:client>payments',
      'orders:server',
      'payments:server',
    ]);
  });

  it('answers 502 when the link is cut by a fault, and forwards again once it is healed', async () => {
    const cut = await c.api('POST', `/api/worlds/${live.id}/faults`, { kind: 'partition', linkId: 'g1' });
    expect(cut.status).toBe(201);
    const down = await curl(`${door}/orders/`);
    expect(down.status).toBe(502);
    expect(JSON.parse(down.body).error).toBe('upstream');
    expect((await c.api('DELETE', `/api/worlds/${live.id}/faults`)).status).toBe(200);
    expect((await curl(`${door}/orders/`)).status).toBe(200);
  });
});

describe('a gateway whose door is TLS', () => {
  let c: LiveController;

  beforeAll(async () => {
    c = await liveController();
  }, 30_000);
  afterAll(() => c?.close());

  it('serves the door over TLS with its own certificate, and the controller still probes it', async () => {
    const live = await c.deploy(world(true));
    const port = (await live.status()).services.find((s) => s.id === 'gw')?.port as number;
    const answer = await new Promise<{ status: number; body: string; san: string }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/orders/', method: 'GET', rejectUnauthorized: false, servername: 'gw' },
        (res) => {
          const san = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().subjectaltname ?? '';
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, san }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, serviceId: 'orders' });
    expect(answer.san).toContain('DNS:gw');
    // Plain HTTP to a TLS door is no request at all.
    await expect(curl(`http://127.0.0.1:${port}/orders/`)).rejects.toThrow();
  });
});
