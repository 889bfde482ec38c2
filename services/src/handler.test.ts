// A service's own code, in real processes of dist/main.js talking mutual TLS on 127.0.0.1 (build first:
// `cd services && node build.mjs`): a checkout handler that calls payments (a built-in service) and inventory (a
// handler of its own) and combines their answers; a call to a service it has no link to; a handler that throws;
// one that does not compile.
import { existsSync } from 'node:fs';
import type { SpawnConfig, TelemetryBatch } from '@dw/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Children, freePort, MAIN_JS, mtlsRequest, spawnConfig, TelemetrySink, TestPki } from './testing.js';

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`node build.mjs\` in services/ first`);
  pki = await TestPki.create('handler-world');
  sink = await new TelemetrySink().start();
});
afterEach(async () => {
  await children.killAll();
  sink.batches.length = 0;
});
afterAll(async () => {
  await children.killAll();
  await sink?.close();
  pki?.cleanup();
});

const INVENTORY = `
export default async (request, ctx) => {
  const { item } = request.json();
  ctx.log('stock asked for', item, 'by', request.from);
  return { body: { item, stock: item === 'hat' ? 3 : 0, by: ctx.service } };
};`;

const CHECKOUT = `
export default async (request, ctx) => {
  if (request.path === '/boom') throw new Error('the cart is on fire');
  if (request.path === '/shipping') return ctx.call('shipping', { path: '/' });
  const [paid, stock] = await Promise.all([
    ctx.call('payments', { method: 'POST', path: '/pay', body: { amount: 12 } }),
    ctx.call('inventory', { path: '/stock', body: { item: 'hat' } }),
  ]);
  return {
    status: 200,
    headers: { 'x-checkout': ctx.world },
    body: { paid: paid.status, payments: paid.json().serviceId, stock: stock.json().stock, from: request.from },
  };
};`;

const sum = (batches: TelemetryBatch[], linkId: string) =>
  batches.flatMap((b) => b.calls).reduce((n, c) => (c.linkId === linkId ? n + c.requests : n), 0);

async function startCheckout(handler = CHECKOUT, faults?: SpawnConfig['faults']) {
  const [pCheckout, pPayments, pInventory] = [await freePort(), await freePort(), await freePort()];
  const client = await pki.identity('client');
  const checkout = await pki.identity('checkout');
  children.spawn(
    spawnConfig(pki, await pki.identity('payments'), sink, {
      serviceId: 'payments',
      kind: 'service',
      port: pPayments,
      allowedCallers: [pki.spiffe('checkout')],
    }),
  );
  const inventory = children.spawn(
    spawnConfig(pki, await pki.identity('inventory'), sink, {
      serviceId: 'inventory',
      kind: 'service',
      port: pInventory,
      allowedCallers: [pki.spiffe('checkout')],
      behaviour: { handler: INVENTORY },
    }),
  );
  const proc = children.spawn({
    ...spawnConfig(pki, checkout, sink, {
      serviceId: 'checkout',
      kind: 'service',
      port: pCheckout,
      allowedCallers: [pki.spiffe('client')],
      peers: [
        { linkId: 'to-payments', id: 'payments', url: `https://127.0.0.1:${pPayments}` },
        { linkId: 'to-inventory', id: 'inventory', url: `https://127.0.0.1:${pInventory}` },
      ],
      behaviour: { handler },
    }),
    ...(faults ? { faults } : {}),
  });
  await sink.waitFor('the three ready', () => ['checkout', 'payments', 'inventory'].every((id) => sink.of(id).length));
  const ask = (path: string, headers: Record<string, string> = {}) =>
    mtlsRequest(pCheckout, {
      servername: 'checkout',
      ca: client.caPem,
      cert: client.certPem,
      key: client.keyPem,
      path,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return { proc, inventory, ask };
}

describe('a service with a handler', () => {
  it('calls its linked peers through the mesh and combines their answers; the calls count on its links', async () => {
    const { proc, inventory, ask } = await startCheckout();
    const traceId = 'ef'.repeat(16);
    const answer = await ask('/order', { traceparent: `00-${traceId}-${'12'.repeat(8)}-01` });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body ?? '')).toEqual({ paid: 200, payments: 'payments', stock: 3, from: 'client' });
    // the handler's calls are the world's: counted on checkout's links, accepted by the callees from checkout
    await sink.waitFor(
      'the calls on both links',
      () => sum(sink.of('checkout'), 'to-payments') === 1 && sum(sink.of('checkout'), 'to-inventory') === 1,
    );
    const accepted = () =>
      sink
        .of('inventory')
        .flatMap((b) => b.inbound)
        .filter((i) => i.from === 'checkout');
    await sink.waitFor('inventory accepting the call', () => accepted().reduce((n, i) => n + i.accepted, 0) === 1);
    await sink.waitFor('the ctx.log line', () => /handler: stock asked for hat by checkout/.test(inventory.output()));
    expect(proc.output()).toMatch(/its own handler/);
    // traced as any service's calls: checkout's span, its two calls under it, each callee's span under its call
    const spansOf = () => sink.batches.flatMap((b) => b.spans ?? []).filter((s) => s.traceId === traceId);
    await sink.waitFor('the five spans', () => spansOf().length >= 5);
    const spans = spansOf();
    const server = spans.find((s) => s.service === 'checkout' && s.kind === 'server');
    expect(server?.parentId).toBe('12'.repeat(8));
    const calls = spans.filter((s) => s.service === 'checkout' && s.kind === 'client');
    expect(calls.map((s) => s.to).sort()).toEqual(['inventory', 'payments']);
    for (const call of calls) {
      expect(call.parentId).toBe(server?.spanId);
      expect(spans.find((s) => s.service === call.to && s.kind === 'server')?.parentId).toBe(call.spanId);
    }
  });

  it('refuses a call to a service it has no link to, with a clear error', async () => {
    const { ask } = await startCheckout();
    const answer = await ask('/shipping');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body ?? '')).toMatchObject({
      error: 'handler',
      message: expect.stringContaining('"checkout" is not linked to "shipping"'),
    });
  });

  it("meets its links' faults as any service: a partitioned link fails its ctx.call, said in the answer", async () => {
    const partition = { latencyMs: 0, jitterMs: 0, abortPercent: 0, dropPercent: 0, partition: true };
    const { ask } = await startCheckout(CHECKOUT, { links: [{ linkId: 'to-inventory', ...partition }] });
    const answer = await ask('/order');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body ?? '')).toEqual({
      error: 'handler',
      message: 'the call from "checkout" to "inventory" got no answer (down, timed out or cut by a fault)',
    });
    await sink.waitFor('the failed call on its link', () =>
      sink.of('checkout').some((b) => b.calls.some((c) => c.linkId === 'to-inventory' && c.errors > 0)),
    );
  });

  it('answers 500 to the request its handler throws on, and the next request as usual', async () => {
    const { ask } = await startCheckout();
    const failed = await ask('/boom');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body ?? '')).toEqual({ error: 'handler', message: 'the cart is on fire' });
    const next = await ask('/order');
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body ?? '')).toMatchObject({ stock: 3 });
  });

  it('does not start with a handler that does not compile: exit 2, the error and its line in its logs', async () => {
    const port = await freePort();
    const child = children.spawn(
      spawnConfig(pki, await pki.identity('broken'), sink, {
        serviceId: 'broken',
        kind: 'service',
        port,
        behaviour: { handler: 'export default async (request, ctx) => {\n  return { body: 1 +  };\n};' },
      }),
    );
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.output()).toMatch(
      /behaviour\/handler: the handler does not parse: Unexpected token \(line 2, column 23\)/,
    );
  });

  it('does not start with a handler that fails as it loads: exit 2, the error in its logs', async () => {
    const child = children.spawn(
      spawnConfig(pki, await pki.identity('missing'), sink, {
        serviceId: 'missing',
        kind: 'service',
        port: await freePort(),
        behaviour: { handler: "import x from 'no-such-package';\nexport default async () => ({ body: x });" },
      }),
    );
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.output()).toMatch(
      /the handler of "missing" does not compile: Error: Cannot find package 'no-such-package'/,
    );
  });

  it('does not start with a module that exports no function', async () => {
    const child = children.spawn(
      spawnConfig(pki, await pki.identity('empty'), sink, {
        serviceId: 'empty',
        kind: 'service',
        port: await freePort(),
        behaviour: { handler: 'export const x = 1;' },
      }),
    );
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.output()).toMatch(/the handler of "empty" must export a function/);
  });
});
