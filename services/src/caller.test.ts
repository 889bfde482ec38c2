// The outbound side in-process: one Caller against small https servers with chosen identities.
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { HOPS_HEADER, type Peer, parseTraceparent, TRACEPARENT_HEADER } from '@dw/world';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Caller, loadHttpClient } from './caller.js';
import { Stats } from './stats.js';
import { rootContext, Tracer } from './tracing.js';

const servers: https.Server[] = [];
beforeAll(loadHttpClient);
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(ca: KeyPairPem, id: KeyPairPem, status = 200) {
  const seen: { hops: string | undefined; bytes: number; peer: string | undefined }[] = [];
  const traceparents: (string | undefined)[] = [];
  const server = https.createServer(
    { cert: id.certPem, key: id.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.on('end', () => {
        const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subjectaltname;
        seen.push({ hops: req.headers[HOPS_HEADER] as string | undefined, bytes, peer });
        traceparents.push(req.headers[TRACEPARENT_HEADER] as string | undefined);
        res.writeHead(status).end('{}');
      });
    },
  );
  servers.push(server);
  const tls = { connections: 0 };
  server.on('secureConnection', () => tls.connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, traceparents, tls };
}

describe('Caller', () => {
  it('calls with its identity and the hop count, checks DNS and SPIFFE names, and reuses connections', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const me = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const payments = await serve(ca, await issueLeaf(ca, { worldId: 'shop', serviceId: 'payments' }));
    // right DNS name, but the SPIFFE id of another world: the caller must refuse it
    const impostor = await serve(ca, await issueLeaf(ca, { worldId: 'elsewhere', serviceId: 'stock' }));
    const forbidden = await serve(ca, await issueLeaf(ca, { worldId: 'shop', serviceId: 'audit' }), 403);
    const peers: Peer[] = [
      { linkId: 'l1', id: 'payments', url: payments.url },
      { linkId: 'l2', id: 'stock', url: impostor.url },
      { linkId: 'l3', id: 'audit', url: forbidden.url },
      { linkId: 'l4', id: 'gone', url: 'https://127.0.0.1:1' },
    ];
    const stats = new Stats('orders', peers);
    const tracer = new Tracer('orders');
    const caller = new Caller('shop', peers, { ca: ca.certPem, cert: me.certPem, key: me.keyPem }, stats, {
      tracer,
    });
    const sampled = rootContext(true);
    try {
      const body = Buffer.alloc(100, 'x');
      for (let i = 0; i < 3; i++) expect(await caller.call(peers[0]!, 4, body, rootContext(false))).toBe('ok');
      expect(await caller.call(peers[1]!, 4, body, rootContext(false))).toBe('refused');
      expect(await caller.call(peers[2]!, 4, body, sampled)).toBe('refused');
      expect(await caller.call(peers[3]!, 4, body, rootContext(false))).toBe('error');
      // every call carries a valid traceparent of its own trace; unsampled calls record no span
      const contexts = payments.traceparents.map((t) => parseTraceparent(t));
      expect(contexts.every((c) => c !== null && !c.sampled)).toBe(true);
      expect(new Set(contexts.map((c) => c?.traceId)).size).toBe(3);
      const sent = parseTraceparent(forbidden.traceparents[0]);
      expect(sent).toMatchObject({ traceId: sampled.traceId, sampled: true });
      const { spans } = tracer.drain();
      expect(spans).toEqual([
        expect.objectContaining({
          traceId: sampled.traceId,
          spanId: sent?.spanId,
          parentId: null,
          kind: 'client',
          service: 'orders',
          linkId: 'l3',
          to: 'audit',
          status: 403,
          outcome: 'refused',
        }),
      ]);
      expect(payments.seen).toEqual(
        Array(3).fill({ hops: '4', bytes: 100, peer: 'DNS:orders, URI:spiffe://shop/orders' }),
      );
      expect(impostor.seen).toEqual([]);
      const { calls } = stats.drain();
      expect(calls.map(({ linkId, requests, errors, refused }) => ({ linkId, requests, errors, refused }))).toEqual([
        { linkId: 'l1', requests: 3, errors: 0, refused: 0 },
        { linkId: 'l2', requests: 1, errors: 0, refused: 1 },
        { linkId: 'l3', requests: 1, errors: 0, refused: 1 },
        { linkId: 'l4', requests: 1, errors: 1, refused: 0 },
      ]);
      expect(calls[0]!.latencyMsMax).toBeGreaterThan(0);
      // handshakes are the TLS connections the callee saw; the histogram counts every call
      expect(payments.tls.connections).toBeGreaterThan(0);
      expect(calls[0]).toMatchObject({ handshakes: payments.tls.connections });
      for (const c of calls) expect(c.latencyBuckets?.reduce((a, b) => a + b, 0)).toBe(c.requests);
      expect(stats.drain().calls).toEqual([]);
    } finally {
      await caller.close();
    }
  });
});

describe('Caller over the copies of a peer', () => {
  it('spreads calls evenly, moves off a copy that is gone without failing a call, and takes new addresses', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const me = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const leaf = await issueLeaf(ca, { worldId: 'shop', serviceId: 'payments' });
    const copies = [await serve(ca, leaf), await serve(ca, leaf), await serve(ca, leaf)];
    const [a, b, c] = copies as [Awaited<ReturnType<typeof serve>>, ...Awaited<ReturnType<typeof serve>>[]];
    const peer: Peer = { linkId: 'l1', id: 'payments', url: a.url, alsoAt: [b!.url, c!.url] };
    const stats = new Stats('orders', [peer]);
    const caller = new Caller('shop', [peer], { ca: ca.certPem, cert: me.certPem, key: me.keyPem }, stats);
    const body = Buffer.alloc(10);
    try {
      for (let i = 0; i < 30; i++) expect(await caller.call(peer, 4, body)).toBe('ok');
      expect(copies.map((s) => s.seen.length)).toEqual([10, 10, 10]);
      // copy b goes away: its port refuses; no call fails, the others carry them
      const gone = servers[servers.length - 2] as https.Server;
      gone.closeAllConnections();
      gone.close();
      await once(gone, 'close');
      const outcomes = [];
      for (let i = 0; i < 30; i++) outcomes.push(await caller.call(peer, 4, body));
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
      expect(b!.seen.length).toBe(10);
      expect(a.seen.length + c!.seen.length).toBe(50);
      // scaled down to a alone: every call goes there
      caller.setPeers([{ linkId: 'l1', id: 'payments', url: a.url }]);
      expect(caller.addresses('l1')).toEqual([a.url]);
      const before = a.seen.length;
      for (let i = 0; i < 5; i++) expect(await caller.call(peer, 4, body)).toBe('ok');
      expect(a.seen.length).toBe(before + 5);
    } finally {
      await caller.close();
    }
  });
});
