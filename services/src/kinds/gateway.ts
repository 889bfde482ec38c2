// A gateway: the door from outside. On its one port it tells connections apart by their first byte: a TLS
// handshake goes to its mTLS server (the controller's probes and faults), anything else to its plain-HTTP door
// (with `tls: true`, the door is the mTLS server itself, for clients that present no certificate). The door
// forwards /<service-id>/<rest> over mutual TLS, with the gateway's identity, to a service one of its links
// leads to, and gives the answer back as it is; any other path gets 404 and the routes it has.
import * as http from 'node:http';
import * as net from 'node:net';
import { MAX_PAYLOAD_BYTES, OUTSIDE_ID, type Peer, parseTraceparent, TRACEPARENT_HEADER } from '@dw/world';
import type { Exchange } from '../caller.js';
import { childOf, newSpanId, nowMs, rootContext } from '../tracing.js';
import { defineKindRuntime, type KindContext } from './kind-runtime.js';
import { readBody, refuseBody, sendJson } from './plain-http.js';

/** The first byte of a TLS record that carries a handshake (a ClientHello). */
const TLS_HANDSHAKE = 0x16;
const EMPTY = Buffer.alloc(0);

/** Headers that belong to one connection (RFC 9110 7.6.1) or to the mesh: never forwarded either way. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
  'x-dw-hops',
  TRACEPARENT_HEADER,
]);

/** The route a door request takes: the service its first path segment names, and the rest of the path. */
export function doorRoute(url: string): { id: string; path: string } | null {
  const query = url.indexOf('?');
  const pathname = query === -1 ? url : url.slice(0, query);
  const match = /^\/([^/]+)(\/.*)?$/.exec(pathname);
  if (!match) return null;
  return { id: match[1] as string, path: (match[2] ?? '/') + (query === -1 ? '' : url.slice(query)) };
}

/** Answers requests from outside the world. */
export function doorHandler({ config, caller, stats, tracer }: KindContext<'gateway'>): http.RequestListener {
  const peers = new Map<string, Peer>(config.peers.map((p) => [p.id, p]));
  const routes = config.peers.map((p) => `/${p.id}/`).sort();
  const sample = tracer.sampler();
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const route = doorRoute(url);
    const peer = route ? peers.get(route.id) : undefined;
    if (!route || !peer) {
      req.resume();
      if (url === '/' || url.startsWith('/?')) return sendJson(res, 200, { gateway: config.serviceId, routes });
      stats.refused(OUTSIDE_ID, 'no-route');
      return sendJson(res, 404, {
        error: 'no-route',
        message: `no link leads from gateway "${config.serviceId}" to ${route ? `"${route.id}"` : 'that path'}: its routes are ${routes.length > 0 ? routes.join(', ') : 'none (link it to a service)'}`,
        routes,
      });
    }
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (body === null) {
      refuseBody(req, res, MAX_PAYLOAD_BYTES);
      return;
    }
    stats.accepted(OUTSIDE_ID);
    const incoming = req.headers[TRACEPARENT_HEADER];
    const parent = parseTraceparent(typeof incoming === 'string' ? incoming : undefined) ?? rootContext(sample());
    const spanId = newSpanId();
    const start = parent.sampled ? nowMs() : 0;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || NOT_FORWARDED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const exchange: Exchange = {
      method: req.method ?? 'GET',
      path: route.path,
      headers,
      body: body.length > 0 ? body : undefined,
    };
    const outcome = await caller.call(peer, config.hopBudget, EMPTY, childOf(parent, spanId), exchange);
    const reply = exchange.reply;
    let status: number;
    if (reply) {
      status = reply.status;
      const out: string[] = [];
      for (let i = 0; i + 1 < reply.headers.length; i += 2) {
        const name = (reply.headers[i] as string).toLowerCase();
        if (!NOT_FORWARDED.has(name)) out.push(reply.headers[i] as string, reply.headers[i + 1] as string);
      }
      out.push('content-length', String(reply.body.length));
      if (!res.destroyed) {
        res.writeHead(status, out);
        res.end(reply.body);
      }
    } else {
      status = 502;
      if (!res.destroyed) {
        sendJson(res, status, {
          error: 'upstream',
          message: `"${peer.id}" did not answer (${outcome === 'refused' ? 'refused' : 'no answer: down, timed out or cut by a fault'})`,
        });
      }
    }
    if (status >= 400) stats.inboundError(OUTSIDE_ID);
    if (parent.sampled) {
      tracer.record({
        traceId: parent.traceId,
        spanId,
        parentId: parent.spanId === '' ? null : parent.spanId,
        kind: 'server',
        service: config.serviceId,
        start,
        durationMs: Math.round((nowMs() - start) * 1000) / 1000,
        status,
        outcome: status < 400 ? 'ok' : 'error',
      });
    }
  };
  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'the request could not be forwarded' });
    });
  };
}

export const gatewayRuntime = defineKindRuntime({
  kind: 'gateway',
  create(context) {
    const { config } = context;
    const handler = doorHandler(context);
    // Nothing inside may call a gateway (no link leads to one): a linked call is answered, but there is none.
    const behaviour = async () => ({
      status: 404,
      body: { error: 'no-route', message: 'a gateway is called from outside' },
    });
    if (config.behaviour.tls) return { behaviour, door: handler, describe: () => 'door over TLS' };
    const door = http.createServer(handler);
    door.keepAliveTimeout = 5_000;
    door.headersTimeout = 10_000;
    door.requestTimeout = 30_000;
    return {
      behaviour,
      describe: () => 'plain-HTTP door',
      front(tlsServer) {
        return net.createServer((socket) => {
          socket.on('error', () => socket.destroy());
          socket.once('data', (chunk: Buffer) => {
            socket.pause();
            socket.unshift(chunk);
            (chunk[0] === TLS_HANDSHAKE ? tlsServer : door).emit('connection', socket);
            process.nextTick(() => socket.resume());
          });
        });
      },
      stop: async () => {
        door.closeAllConnections();
        door.close();
      },
    };
  },
});
