// "Try it" against real gateways: the controller sends one request to a running gateway's door on 127.0.0.1
// (plain HTTP, and over TLS for a gateway with `tls: true`), which forwards it over mutual TLS to the service it
// names; the answer comes back as it came, with the trace the request started.
import { GATEWAY_TRY_MAX_BYTES, type GatewayTryAnswer, type Trace, type World } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveController, type LiveWorld, liveController } from '../testing/live-world.js';
import { waitFor } from '../testing/temp-app.js';

const DOORS: World = {
  version: 1,
  name: 'doors',
  services: [
    { id: 'door', kind: 'gateway', position: { x: 0, y: 0 }, config: {} },
    { id: 'secure', kind: 'gateway', position: { x: 0, y: 200 }, config: { tls: true } },
    { id: 'orders', kind: 'service', position: { x: 300, y: 0 }, config: { latencyMs: 1 } },
    { id: 'payments', kind: 'service', position: { x: 600, y: 0 }, config: { latencyMs: 1 } },
    { id: 'billing', kind: 'service', position: { x: 300, y: 200 }, config: {} },
  ],
  links: [
    { id: 'l1', from: 'door', to: 'orders' },
    { id: 'l2', from: 'orders', to: 'payments' },
    { id: 'l3', from: 'secure', to: 'orders' },
  ],
};

let live: LiveController;
let w: LiveWorld;
beforeAll(async () => {
  live = await liveController();
  w = await live.deploy(DOORS);
}, 40_000);
afterAll(async () => {
  await live?.close();
});

const tryIt = (gatewayId: string, body: unknown, worldId = w.id) =>
  live.api<GatewayTryAnswer & { error?: string; message?: string }>(
    'POST',
    `/api/worlds/${worldId}/gateways/${gatewayId}/try`,
    body,
  );

describe('POST /api/worlds/:id/gateways/:gatewayId/try', () => {
  it('forwards /<service>/ through the door and answers what the service said, with the trace it started', async () => {
    const { status, body } = await tryIt('door', { method: 'GET', path: '/orders/' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe(200);
    expect(JSON.parse(body.body)).toEqual({ ok: true, serviceId: 'orders' });
    expect(body.headers['content-type']).toMatch(/json/);
    const port = (await w.status()).services.find((s) => s.id === 'door')?.port;
    expect(body.url).toBe(`http://127.0.0.1:${port}`);
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The trace holds the door's span and the hops behind it (orders, and its call to payments). Each service
    // reports its spans in its own batches, so wait until the three have reported.
    const trace = await waitFor(
      'the trace of the request, from the door through orders to payments',
      async () => {
        const answer = await live.api<Trace>('GET', `/api/worlds/${w.id}/traces/${body.traceId}`);
        if (answer.status !== 200) return undefined;
        const services = new Set(answer.body.spans.map((s) => s.service));
        return ['door', 'orders', 'payments'].every((id) => services.has(id)) ? answer.body : undefined;
      },
      10_000,
      200,
    );
    expect(new Set(trace.spans.map((s) => s.service))).toEqual(new Set(['door', 'orders', 'payments']));
    // The door started it: its span is the one root, and every other span hangs under a span of this trace.
    const ids = new Set(trace.spans.map((s) => s.spanId));
    const roots = trace.spans.filter((s) => s.parentId === null || !ids.has(s.parentId));
    expect(roots.map((s) => s.service)).toEqual(['door']);
  });

  it('passes the method, headers and body on, and the door answers 404 with its routes elsewhere', async () => {
    const posted = await tryIt('door', {
      method: 'POST',
      path: '/orders/items?x=1',
      headers: { 'content-type': 'application/json' },
      body: '{"item":42}',
    });
    expect(posted.status).toBe(200);
    expect(posted.body.status).toBe(200);
    const unlinked = await tryIt('door', { method: 'GET', path: '/billing/' });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.status).toBe(404);
    const refusal = JSON.parse(unlinked.body.body);
    expect(refusal).toMatchObject({ error: 'no-route', routes: ['/orders/'] });
    expect(refusal.message).toContain('"billing"');
  });

  it('reaches a door served over TLS, checking its certificate against the world CA', async () => {
    const { status, body } = await tryIt('secure', { method: 'GET', path: '/orders/' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(body.body)).toEqual({ ok: true, serviceId: 'orders' });
  });

  it('refuses what is not a running gateway, and a body over 1 MiB, saying why', async () => {
    const service = await tryIt('orders', { method: 'GET', path: '/' });
    expect(service.status).toBe(400);
    expect(service.body.message).toBe('"orders" is a service, not a gateway: only a gateway has a door to try');
    const missing = await tryIt('nobody', { method: 'GET', path: '/' });
    expect(missing.status).toBe(404);
    const badPath = await tryIt('door', { method: 'GET', path: 'http://example.com/' });
    expect(badPath.status).toBe(400);
    const badMethod = await tryIt('door', { method: 'CONNECT', path: '/orders/' });
    expect(badMethod.status).toBe(400);
    const big = await tryIt('door', { method: 'POST', path: '/orders/', body: 'x'.repeat(GATEWAY_TRY_MAX_BYTES + 1) });
    expect(big.status).toBe(413);
    expect(big.body.message).toContain(`at most ${GATEWAY_TRY_MAX_BYTES} bytes`);
    const created = await live.api<{ id: string }>('POST', '/api/worlds', { ...DOORS, name: 'idle doors' });
    const idle = await tryIt('door', { method: 'GET', path: '/orders/' }, created.body.id);
    expect(idle.status).toBe(409);
    expect(idle.body.error).toBe('not-deployed');
  });

  it('gives up after 10 s when the door does not answer (its process paused)', async () => {
    const paused = await live.api('POST', `/api/worlds/${w.id}/faults`, { kind: 'pause', serviceId: 'door' });
    expect(paused.status).toBe(201);
    try {
      const started = Date.now();
      const { status, body } = await tryIt('door', { method: 'GET', path: '/orders/' });
      expect(status).toBe(504);
      expect(body.message).toMatch(/did not answer GET \/orders\/ within 10 s/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    } finally {
      await live.api('DELETE', `/api/worlds/${w.id}/faults`);
    }
  }, 30_000);
});
