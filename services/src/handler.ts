// A service's own code: a JavaScript module (its config's `handler`) whose default export answers every call a
// linked caller makes, `async (request, ctx) => response`. It is compiled once, when the process starts; a module
// that does not compile stops the process with the error (and its line) in the node's logs. `ctx.call` goes
// through the process's caller (its identity, mutual TLS, the link's faults, call policy, counts and traces), so a
// handler's calls are the world's like any other; a call to a service it has no link to is refused here, as the
// callee would refuse it. A handler that throws answers 500 to that request only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Peer, TraceContext } from '@dw/world';
import type { Answer, Behaviour, InboundRequest } from './behaviour.js';
import type { Caller, Exchange } from './caller.js';
import { type Log, LogLimit } from './log.js';

/** What a handler is given of the request it answers. */
export interface HandlerRequest {
  method: string;
  /** The path and query as sent. */
  path: string;
  /** The request's headers, names in lower case (the mesh's own, x-dw-hops and traceparent, left out). */
  headers: Record<string, string>;
  /** The body as text ("" when there was none). */
  body: string;
  /** Who called: the linked caller's service id. */
  from: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json(): unknown;
}

/** What `ctx.call` sends, and what it gives back. */
export interface HandlerCall {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** A string or bytes as they are; anything else is sent as JSON. */
  body?: unknown;
}
export interface HandlerReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

export interface HandlerContext {
  /** This service's id and world. */
  service: string;
  world: string;
  /** The services it may call: the ones its links lead to. */
  peers: string[];
  call(peer: string, request?: HandlerCall): Promise<HandlerReply>;
  /** One line in the node's logs (at most 1,000 characters). */
  log(...parts: unknown[]): void;
}

export type HandlerFunction = (request: HandlerRequest, ctx: HandlerContext) => unknown;

/** Why a handler could not be used: said with the line it is on when the error has one. */
export class HandlerCompileError extends Error {
  /** main.ts exits with its bad-config code for it: starting again changes nothing. */
  readonly code = 'ERR_DW_BAD_CONFIG';
}

/** Headers a handler neither sees nor sets: one connection's own (RFC 9110 7.6.1), and the mesh's. */
const HOP_HEADERS = new Set([
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
  'traceparent',
]);

const MAX_LOG_CHARS = 1000;

/**
 * Compiles a handler module: imported once from a private temporary file (removed at once), so a syntax error
 * names its line. Rejects with a HandlerCompileError when it does not compile or exports no function.
 */
export async function compileHandler(source: string, serviceId: string): Promise<HandlerFunction> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-handler-'));
  const file = join(dir, `${serviceId}.mjs`);
  let loaded: { default?: unknown };
  try {
    writeFileSync(file, source, { mode: 0o600 });
    loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new HandlerCompileError(`the handler of "${serviceId}" does not compile: ${describeError(err, file)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (typeof loaded.default !== 'function') {
    throw new HandlerCompileError(
      `the handler of "${serviceId}" must export a function: \`export default async (request, ctx) => ({ status: 200, body: ... })\``,
    );
  }
  return loaded.default as HandlerFunction;
}

/** An error's name and message, and the handler's line it points to when its stack says. */
function describeError(err: unknown, file: string): string {
  if (!(err instanceof Error)) return String(err);
  const href = pathToFileURL(file).href;
  const at = new RegExp(`(?:${escapeRegExp(href)}|${escapeRegExp(file)}):(\\d+)`).exec(err.stack ?? '');
  return `${err.name}: ${err.message}${at ? ` (line ${at[1]})` : ''}`;
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function headerObject(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_HEADERS.has(name)) continue;
    const value = raw[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON: ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`);
  }
}

/** A body a handler gives (its answer's, or a call's): bytes, and the content type it implies. */
function encodeBody(body: unknown): { bytes: Buffer | undefined; type: string | undefined } {
  if (body === undefined || body === null) return { bytes: undefined, type: undefined };
  if (typeof body === 'string') return { bytes: Buffer.from(body), type: 'text/plain; charset=utf-8' };
  if (body instanceof Uint8Array) return { bytes: Buffer.from(body), type: 'application/octet-stream' };
  return { bytes: Buffer.from(JSON.stringify(body)), type: 'application/json' };
}

function cleanHeaders(given: unknown, what: string): Record<string, string> {
  if (given === undefined) return {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new Error(`${what} must be an object of header names and values`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const lower = name.toLowerCase();
    if (!HOP_HEADERS.has(lower)) headers[lower] = String(value);
  }
  return headers;
}

/** What a handler's return value answers: `{ status?, headers?, body? }`. */
export function answerOf(result: unknown, serviceId: string): Answer {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new Error(
      `the handler of "${serviceId}" returned ${result === undefined ? 'nothing' : typeof result}: return { status, headers, body }`,
    );
  }
  const { status = 200, headers, body } = result as { status?: unknown; headers?: unknown; body?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new Error(`the handler of "${serviceId}" answered status ${String(status)}: a status is 200 to 599`);
  }
  const own = cleanHeaders(headers, `the headers the handler of "${serviceId}" answered`);
  const { bytes, type } = encodeBody(body);
  if (type && own['content-type'] === undefined) own['content-type'] = type;
  return { status, body: {}, bytes: bytes ?? Buffer.alloc(0), headers: own };
}

/** The behaviour of a service with a handler: every accepted call is the handler's to answer. */
export function handlerBehaviour(opts: {
  handler: HandlerFunction;
  serviceId: string;
  worldId: string;
  peers: readonly Peer[];
  caller: Caller;
  log: Log;
}): Behaviour {
  const { handler, serviceId, worldId, caller, log } = opts;
  const peers = new Map(opts.peers.map((p) => [p.id, p]));
  const peerIds = [...peers.keys()].sort();
  const limit = new LogLimit(log, 20, 'handler');
  const logLine = (...parts: unknown[]) => {
    const text = parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' ');
    limit.write(`handler: ${text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}...` : text}`);
  };
  return async (hops: number, trace: TraceContext, inbound: InboundRequest) => {
    const call = async (peerId: string, request: HandlerCall = {}): Promise<HandlerReply> => {
      const peer = peers.get(peerId);
      if (!peer) {
        throw Object.assign(
          new Error(
            `"${serviceId}" is not linked to "${String(peerId)}": "${String(peerId)}" would refuse the call (its links: ${peerIds.length > 0 ? peerIds.join(', ') : 'none'})`,
          ),
          { code: 'not-linked' },
        );
      }
      const { bytes, type } = encodeBody(request.body);
      const headers = cleanHeaders(request.headers, `the headers of a call to "${peerId}"`);
      if (type && headers['content-type'] === undefined) headers['content-type'] = type;
      const path = request.path ?? '/';
      if (typeof path !== 'string' || !path.startsWith('/')) throw new Error(`a call's path must start with "/"`);
      const exchange: Exchange = {
        method: (request.method ?? 'POST').toUpperCase(),
        path,
        headers,
        ...(bytes ? { body: bytes } : {}),
      };
      const outcome = await caller.call(peer, hops - 1, Buffer.alloc(0), trace, exchange);
      const reply = exchange.reply;
      if (!reply) {
        throw new Error(
          `the call from "${serviceId}" to "${peerId}" got no answer (${outcome === 'refused' ? 'refused' : 'down, timed out or cut by a fault'})`,
        );
      }
      const text = reply.body.toString('utf8');
      return {
        status: reply.status,
        headers: headerObject(reply.headers),
        body: text,
        json: () => parseJson(text, `the answer of "${peerId}"`),
      };
    };
    const raw = inbound.headers ?? [];
    const body = inbound.body?.toString('utf8') ?? '';
    const request: HandlerRequest = {
      method: inbound.method,
      path: inbound.url,
      headers: headerObject(raw),
      body,
      from: inbound.from,
      json: () => parseJson(body, 'the request body'),
    };
    const ctx: HandlerContext = { service: serviceId, world: worldId, peers: peerIds, call, log: logLine };
    try {
      return answerOf(await handler(request, ctx), serviceId);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logLine(`a request failed: ${message}`);
      return { status: 500, body: { error: 'handler', message } };
    }
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
