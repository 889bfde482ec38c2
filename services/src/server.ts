// The mTLS HTTPS server of a service: handshake refusals, authorization by SPIFFE id, probes, the hop budget.

import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  CONTROLLER_ID,
  describeServiceRoutes,
  HOPS_HEADER,
  LOOP_STATUS,
  MAX_PAYLOAD_BYTES,
  parseTraceparent,
  RuntimeFaults,
  RuntimeLoad,
  type ServiceHealth,
  type SpawnConfig,
  serviceRouteOf,
  TRACEPARENT_HEADER,
} from '@dw/world';
import Value from 'typebox/value';
import { type Answer, type Behaviour, OK_BODY } from './behaviour.js';
import type { FaultTable } from './faults.js';
import type { IdentityPem } from './identity.js';
import type { ControlRequest } from './kinds/kind-runtime.js';
import { readBody, refuseBody } from './kinds/plain-http.js';
import type { Log } from './log.js';
import { type CutReason, callerClassifier, InboundConnections } from './peer-identity.js';
import type { Stats } from './stats.js';
import { refusalFromTlsError } from './tls-errors.js';
import { childOf, newSpanId, newTraceId, nowMs, type Tracer } from './tracing.js';

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, JSON.stringify(body));
}

/** An answer of a behaviour or a kind's control route: its JSON body, or its bytes. */
function sendAnswer(res: ServerResponse, answer: Answer): void {
  if (!answer.bytes) {
    send(res, answer.status, answer.body);
    return;
  }
  const head = ['content-type', answer.headers?.['content-type'] ?? 'application/octet-stream'];
  if (answer.headers) {
    for (const [name, value] of Object.entries(answer.headers)) if (name !== 'content-type') head.push(name, value);
  }
  head.push('content-length', String(answer.bytes.length));
  res.writeHead(answer.status, head);
  res.end(answer.bytes);
}

function sendJson(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(json))]);
  res.end(json);
}

const MAX_CONTROL_BODY = 256 * 1024;

/** Reads a small JSON body (the controller's control calls). */
function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_CONTROL_BODY) {
        resolve({ ok: false, message: `the body is larger than ${MAX_CONTROL_BODY} bytes` });
        req.destroy();
      }
    });
    req.on('end', () => {
      try {
        resolve({ ok: true, value: JSON.parse(text) });
      } catch (err) {
        resolve({ ok: false, message: `the body is not JSON: ${(err as Error).message}` });
      }
    });
    req.on('error', (err) => resolve({ ok: false, message: err.message }));
  });
}

/** Reads the request body to its end; false when the caller went away first. */
function drain(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    req.on('end', () => resolve(true));
    req.on('error', () => resolve(false));
    req.on('close', () => resolve(req.complete));
    req.resume();
  });
}

export interface RequestFacts {
  hops: string | undefined;
  trace: string | undefined;
  /** True when a body follows (a non-zero content-length, or a transfer-encoding). */
  body: boolean;
}

const CONTENT_LENGTH = 'content-length';
const TRANSFER_ENCODING = 'transfer-encoding';

/**
 * What a hop needs of a request's headers, read from the raw header list: building `req.headers` (an object of
 * every header) for each request was a visible share of a hop's CPU, and only these are needed.
 */
export function requestFacts(raw: readonly string[]): RequestFacts {
  let hops: string | undefined;
  let trace: string | undefined;
  let body = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    switch (name.length) {
      case HOPS_HEADER.length:
        if (hops === undefined && name.toLowerCase() === HOPS_HEADER) hops = value;
        break;
      case TRACEPARENT_HEADER.length:
        if (trace === undefined && name.toLowerCase() === TRACEPARENT_HEADER) trace = value;
        break;
      case CONTENT_LENGTH.length:
        if (name.toLowerCase() === CONTENT_LENGTH && value.trim() !== '0') body = true;
        break;
      case TRANSFER_ENCODING.length:
        if (name.toLowerCase() === TRANSFER_ENCODING) body = true;
        break;
    }
  }
  return { hops, trace, body };
}

/** The hops a request may still take: the header's value, never more than this service's budget. */
export function parseHops(value: string | string[] | undefined, hopBudget: number): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return hopBudget;
  return Math.min(Number.parseInt(raw, 10), hopBudget);
}

/** The server of a service, with its open connections (re-checked when the trust changes: identity-reload.ts). */
export interface ServiceServer extends https.Server {
  inbound: InboundConnections;
}

export function createServiceServer(opts: {
  config: SpawnConfig;
  identity: IdentityPem;
  stats: Stats;
  tracer: Tracer;
  behaviour: Behaviour;
  /** When given, the controller may read and replace the outbound faults (GET/PUT /_dw/faults). */
  faults?: FaultTable;
  /** A client's: the controller may change its rate (PUT /_dw/load). */
  setRate?: ((rps: number) => void) | undefined;
  /** The behaviour reads request bodies (at most MAX_PAYLOAD_BYTES): they are read before it runs. */
  readsBody?: boolean;
  /**
   * Requests on connections whose client presented no valid certificate go here instead of being refused (a
   * gateway's door over TLS). Without it such handshakes are refused, as everywhere in the mesh.
   */
  door?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The kind's own routes for the controller (a store's keys...): null when a request is not one of them. */
  control?: ((request: ControlRequest) => Promise<Answer | null>) | undefined;
  /** Where a connection closed for an expired or no longer trusted certificate is told. */
  log?: Log;
}): ServiceServer {
  const { config, identity, stats, tracer, behaviour } = opts;
  const classify = callerClassifier(config.worldId, config.allowedCallers);
  // The answer to every successful request, serialised once.
  const okJson = JSON.stringify({ ok: true, serviceId: config.serviceId });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    if (opts.door && !socket.authorized) return opts.door(req, res);
    const caller = classify(socket);
    if (caller.kind === 'controller') {
      const route = serviceRouteOf(req.method, req.url);
      if (req.method !== 'PUT') req.resume();
      if (route === 'health') {
        return send(res, 200, { ok: true, serviceId: config.serviceId, pid: process.pid } satisfies ServiceHealth);
      }
      if (route === 'stats') return send(res, 200, stats.totals(process.pid));
      if ((route === 'faults' || route === 'setFaults') && opts.faults) {
        if (route === 'faults') return send(res, 200, opts.faults.snapshot());
        const body = await readJson(req);
        if (!body.ok || !Value.Check(RuntimeFaults, body.value)) {
          return send(res, 400, {
            error: 'invalid-faults',
            message: body.ok ? 'expected { links: LinkFaultState[] }' : body.message,
          });
        }
        opts.faults.set(body.value as RuntimeFaults);
        return send(res, 200, opts.faults.snapshot());
      }
      if (route === 'setLoad' && opts.setRate) {
        const body = await readJson(req);
        if (!body.ok || !Value.Check(RuntimeLoad, body.value)) {
          return send(res, 400, {
            error: 'invalid-load',
            message: body.ok ? 'expected { rps: 0-1000 }' : body.message,
          });
        }
        opts.setRate((body.value as RuntimeLoad).rps);
        return send(res, 200, body.value);
      }
      if (opts.control) {
        const url = new URL(req.url ?? '/', 'https://service');
        const answer = await opts.control({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
        if (answer) return sendAnswer(res, answer);
      }
      if (req.method === 'PUT') req.resume();
      stats.refused(CONTROLLER_ID, 'not-linked');
      return send(res, 403, {
        error: 'not-linked',
        message: `the controller may only call ${describeServiceRoutes()}`,
      });
    }
    if (caller.kind === 'unlinked') {
      req.resume();
      stats.refused(caller.from, 'not-linked');
      return send(res, 403, {
        error: 'not-linked',
        message: `${caller.from === null ? 'a caller without a SPIFFE id' : `"${caller.from}"`} is not linked to "${config.serviceId}"`,
      });
    }
    const headers = requestFacts(req.rawHeaders);
    const hops = parseHops(headers.hops, config.hopBudget);
    if (hops <= 0) {
      req.resume();
      stats.refused(caller.id, 'hop-budget');
      return send(res, LOOP_STATUS, {
        error: 'hop-budget',
        message: `the request ran out of hops at "${config.serviceId}": is there a loop?`,
      });
    }
    // The caller's trace, or a new unsampled one when it sent none (or a malformed one).
    const parent = parseTraceparent(headers.trace) ?? {
      traceId: newTraceId(),
      spanId: '',
      sampled: false,
    };
    const spanId = newSpanId();
    const start = parent.sampled ? nowMs() : 0;
    // A body (a client's payload) is read to its end before the request is handled, as a real service would;
    // without one there is nothing to wait for. A kind that uses bodies gets it.
    let body: Buffer | null = null;
    if (opts.readsBody) {
      body = headers.body ? await readBody(req, MAX_PAYLOAD_BYTES) : Buffer.alloc(0);
      if (body === null) {
        refuseBody(req, res, MAX_PAYLOAD_BYTES); // larger than allowed, or cut: nothing more is read from it
        return;
      }
    } else if (headers.body) {
      if (!(await drain(req))) return;
    } else req.resume();
    stats.accepted(caller.id);
    let answer: Awaited<ReturnType<Behaviour>>;
    try {
      answer = await behaviour(hops, childOf(parent, spanId), {
        method: req.method ?? 'POST',
        url: req.url ?? '/',
        from: caller.id,
        body,
        ...(opts.readsBody ? { headers: req.rawHeaders } : {}),
      });
    } catch (err) {
      answer = { status: 500, body: { error: 'internal', message: (err as Error).message } };
    }
    if (answer.status >= 400) stats.inboundError(caller.id);
    if (!res.destroyed) {
      if (answer.body === OK_BODY) sendJson(res, 200, okJson);
      else sendAnswer(res, answer);
    }
    if (parent.sampled) {
      tracer.record({
        traceId: parent.traceId,
        spanId,
        parentId: parent.spanId === '' ? null : parent.spanId,
        kind: 'server',
        service: config.serviceId,
        start,
        durationMs: Math.round((nowMs() - start) * 1000) / 1000,
        status: answer.status,
        outcome: answer.status < 400 ? 'ok' : 'error',
      });
    }
  };

  // Open connections stay admitted only while their peer's certificate is valid under the current trust.
  const connections = new InboundConnections(identity.ca, (socket: TLSSocket, reason: CutReason) => {
    const caller = classify(socket);
    const from = caller.kind === 'controller' ? CONTROLLER_ID : caller.kind === 'linked' ? caller.id : caller.from;
    stats.refused(from, reason);
    opts.log?.info(
      `closed a connection from ${from ?? 'a caller without a SPIFFE id'}: ${reason === 'expired' ? 'its certificate expired' : 'its certificate is no longer signed by a trusted CA'}`,
    );
  });
  const server = https.createServer(
    {
      cert: identity.cert,
      key: identity.key,
      ca: identity.ca,
      requestCert: true,
      // A door (a gateway's, over TLS) lets clients without a certificate in, to the door only.
      rejectUnauthorized: !opts.door,
      minVersion: 'TLSv1.3',
    },
    (req, res) => {
      // The door's clients have no certificate of the mesh: nothing to keep checking, they reach the door only.
      if (opts.door && !(req.socket as TLSSocket).authorized) {
        handle(req, res).catch(() => {
          if (!res.headersSent) send(res, 500, { error: 'internal', message: 'the request could not be handled' });
        });
        return;
      }
      const conn = connections.admit(req.socket as TLSSocket);
      if (conn === undefined) {
        // A request on a connection whose certificate is no longer valid: refused, and the connection closes.
        req.resume();
        res.setHeader('connection', 'close');
        return send(res, 403, {
          error: 'certificate-invalid',
          message: 'the certificate this connection was opened with is no longer valid: connect again',
        });
      }
      conn.responses.add(res);
      handle(req, res).then(
        () => connections.settled(conn, res),
        () => {
          if (!res.headersSent) send(res, 500, { error: 'internal', message: 'the request could not be handled' });
          connections.settled(conn, res);
        },
      );
    },
  ) as ServiceServer;
  server.inbound = connections;
  server.on('secureConnection', (socket: TLSSocket) => {
    if (opts.door && !socket.authorized) return; // a door client (above), not a caller of the mesh
    connections.track(socket);
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const reason = refusalFromTlsError(err, socket.authorizationError);
    if (reason) stats.refused(null, reason);
  });
  return server;
}
