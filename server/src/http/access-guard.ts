// Who may talk to the controller. It starts processes, so a web page it did not serve must not reach it:
// - Host: on loopback (the default) a request must name the controller itself (127.0.0.1, localhost or [::1],
//   at the port it listens on), so a DNS-rebound name (evil.example -> 127.0.0.1) is refused; in remote mode
//   `hosts`, when given, lists the names it answers to (the compose observer: its loopback names, any port);
// - Origin: a state-changing request (POST, PUT, PATCH, DELETE) that carries an Origin is refused unless that
//   Origin is the controller's own (same scheme-less host as the Host header it was sent to) (CSRF);
// - token: when bound elsewhere (remote mode), every request carries the controller's token
//   (`authorization: Bearer <token>`) but the editor's static files, which the browser loads before the editor
//   can send it; the socket.io handshake carries it as `auth.token` (checked by live-plugin.ts).
// The rule is decided on the route the router matched (request.routeOptions.config.access), never on the URL
// text: `/%61pi/worlds` is `/api/worlds` to the router, so it is to the guard. A route is `controller` (token
// needed) unless it says otherwise, and so is a request that matched nothing: a route added later is
// protected without anyone remembering, and an unknown path tells nothing without the token.
// `deployment` routes (POST /api/telemetry) skip the token and loopback Host rules: services (possibly in
// containers, reaching the controller by another name) authenticate each batch with their deployment's secret.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorBody } from '@dw/world';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Who may use a route, marked in its `config: { access }`:
 * - `controller` (the default, also for unmatched requests): the controller's token in remote mode;
 * - `public`: no token (the editor's static files; in loopback mode the Host rule still applies);
 * - `deployment`: authenticated by the route itself with a deployment's secret (telemetry): no controller
 *   token, no loopback Host rule; in remote mode with `hosts`, also `telemetryHosts`.
 */
export type RouteAccess = 'controller' | 'public' | 'deployment';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export interface AccessOptions {
  /**
   * Remote mode: the controller listens beyond loopback and everything but the editor's files and telemetry
   * needs this token. Undefined: loopback mode (Host must be the controller's own loopback name).
   */
  token?: string;
  /**
   * Remote mode only: the Host names (lower case, any port) the controller answers to; undefined accepts any
   * Host. The compose observer lists its loopback names: its port is published on 127.0.0.1 only.
   */
  hosts?: readonly string[];
  /** Remote mode with `hosts`: more names accepted for `deployment` routes only (the observer's service name). */
  telemetryHosts?: readonly string[];
}

export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface Refusal {
  status: 401 | 403;
  body: ErrorBody;
}

/** Splits "name:port" (or "[::1]:port") into its parts; port is null when absent. */
function splitHost(host: string): { name: string; port: number | null } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return { name: host, port: null };
  return { name: match[1] ?? '', port: match[2] === undefined ? null : Number(match[2]) };
}

function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export interface RequestFacts {
  method: string;
  /** For messages only: the rule never reads it. */
  path: string;
  /** Who may use what was asked for: the matched route's mark, `controller` when nothing matched. */
  access: RouteAccess;
  host: string | undefined;
  origin: string | undefined;
  /** The port the connection arrived on, when known (app.inject has none). */
  localPort: number | undefined;
  token: string | undefined;
}

const refuse = (status: 401 | 403, error: string, message: string): Refusal => ({ status, body: { error, message } });

/** The Host rule: null when the Host names this controller, else why not. */
function hostRefusal(facts: RequestFacts, options: AccessOptions): Refusal | null {
  const host = facts.host === undefined ? null : splitHost(facts.host);
  if (options.token === undefined) {
    if (facts.access === 'deployment') return null;
    const portOk = host !== null && (facts.localPort === undefined || (host.port ?? 80) === facts.localPort);
    if (host !== null && LOOPBACK_NAMES.includes(host.name) && portOk) return null;
    return refuse(
      403,
      'forbidden-host',
      `the controller answers only to its own name (127.0.0.1, localhost or [::1] at its port), not to Host ${JSON.stringify(facts.host ?? '')}`,
    );
  }
  if (options.hosts === undefined) return null;
  const names = facts.access === 'deployment' ? [...options.hosts, ...(options.telemetryHosts ?? [])] : options.hosts;
  if (host !== null && names.includes(host.name)) return null;
  return refuse(
    403,
    'forbidden-host',
    `the controller answers only to ${names.join(', ')} (any port), not to Host ${JSON.stringify(facts.host ?? '')}`,
  );
}

/** The one rule, for HTTP and socket.io alike: null when the request may proceed, else why not. */
export function checkAccess(facts: RequestFacts, options: AccessOptions): Refusal | null {
  const badHost = hostRefusal(facts, options);
  if (badHost) return badHost;
  if (facts.origin !== undefined && STATE_CHANGING.has(facts.method)) {
    let originHost: string | null = null;
    try {
      const url = new URL(facts.origin);
      if (url.protocol === 'http:' || url.protocol === 'https:') originHost = url.host.toLowerCase();
    } catch {
      originHost = null;
    }
    if (originHost === null || originHost !== facts.host?.trim().toLowerCase()) {
      return refuse(
        403,
        'forbidden-origin',
        `${facts.method} ${facts.path} from the page at ${JSON.stringify(facts.origin)} is refused: only the controller's own pages may change things`,
      );
    }
  }
  if (options.token !== undefined && facts.access === 'controller') {
    if (facts.token === undefined) {
      return refuse(401, 'unauthorized', 'this controller needs its token: authorization: Bearer <token>');
    }
    if (!tokensEqual(facts.token, options.token)) {
      return refuse(403, 'forbidden', 'this token is not the controller token');
    }
  }
  return null;
}

/**
 * Who may use what this request matched. In Fastify 5 the route is found before onRequest hooks run; a request
 * that matched nothing (the not-found handler) is the controller's, like any route that does not say otherwise.
 */
export function routeAccess(request: FastifyRequest): RouteAccess {
  if (request.is404) return 'controller';
  return request.routeOptions.config.access ?? 'controller';
}

/** Installs the rule on every HTTP request, routed or not (the not-found handler runs these hooks too). */
export function installAccessGuard(app: FastifyInstance, options: AccessOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = checkAccess(
      {
        method: request.method,
        path: request.url.split('?')[0] ?? '',
        access: routeAccess(request),
        host: request.headers.host,
        origin: typeof request.headers.origin === 'string' ? request.headers.origin : undefined,
        localPort: request.raw.socket?.localPort,
        token: bearer(request.headers.authorization),
      },
      options,
    );
    if (refusal) return reply.code(refusal.status).send(refusal.body);
  });
}

/** Marks every route registered in `app` (and the plugins it registers after this) with `access`. */
export function markRoutes(app: FastifyInstance, access: RouteAccess): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, access };
  });
}

/**
 * The same rule for socket.io's engine (allowRequest): Host and Origin of the handshake, as if it changed
 * state (a socket can ask for worlds to be watched). Its token is not a header (a browser's WebSocket cannot
 * send one) but `auth.token` of the socket.io handshake, checked by socketTokenRefusal before it connects.
 */
export function socketRefusal(request: IncomingMessage, options: AccessOptions): Refusal | null {
  return checkAccess(
    {
      method: 'POST',
      path: '/socket.io/',
      access: 'public',
      host: request.headers.host,
      origin: typeof request.headers.origin === 'string' ? request.headers.origin : undefined,
      localPort: request.socket?.localPort,
      token: undefined,
    },
    options,
  );
}

/** Checks a socket's handshake token in remote mode; null when it may connect. */
export function socketTokenRefusal(token: unknown, options: AccessOptions): string | null {
  if (options.token === undefined) return null;
  if (typeof token !== 'string' || token.length === 0) return 'this controller needs its token (auth.token)';
  return tokensEqual(token, options.token) ? null : 'this token is not the controller token';
}
