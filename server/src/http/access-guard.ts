// Who may talk to the controller. It starts processes, so a web page it did not serve must not reach it:
// - Host: on loopback (the default) a request must name the controller itself (127.0.0.1, localhost or [::1],
//   at the port it listens on), so a DNS-rebound name (evil.example -> 127.0.0.1) is refused;
// - Origin: a state-changing request (POST, PUT, PATCH, DELETE) that carries an Origin is refused unless that
//   Origin is the controller's own (same scheme-less host as the Host header it was sent to) (CSRF);
// - token: when bound elsewhere (remote mode), every /api call and socket carries the controller's token
//   (`authorization: Bearer <token>`, or socket.io `auth.token`).
// POST /api/telemetry is exempt from the token and Host rules: services (possibly in containers, reaching the
// controller by another name) authenticate each batch with their deployment's own secret.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorBody } from '@dw/world';
import type { FastifyInstance } from 'fastify';

export interface AccessOptions {
  /**
   * Remote mode: the controller listens beyond loopback. Any Host is accepted and every /api call and socket
   * needs this token. Undefined: loopback mode (Host must be the controller's own loopback name).
   */
  token?: string;
}

export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const TELEMETRY_PATH = '/api/telemetry';

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
  path: string;
  host: string | undefined;
  origin: string | undefined;
  /** The port the connection arrived on, when known (app.inject has none). */
  localPort: number | undefined;
  token: string | undefined;
}

const refuse = (status: 401 | 403, error: string, message: string): Refusal => ({ status, body: { error, message } });

/** The one rule, for HTTP and socket.io alike: null when the request may proceed, else why not. */
export function checkAccess(facts: RequestFacts, options: AccessOptions): Refusal | null {
  const telemetry = facts.path === TELEMETRY_PATH;
  if (options.token === undefined && !telemetry) {
    const host = facts.host === undefined ? null : splitHost(facts.host);
    const portOk = host !== null && (facts.localPort === undefined || (host.port ?? 80) === facts.localPort);
    if (host === null || !LOOPBACK_NAMES.includes(host.name) || !portOk) {
      return refuse(
        403,
        'forbidden-host',
        `the controller answers only to its own name (127.0.0.1, localhost or [::1] at its port), not to Host ${JSON.stringify(facts.host ?? '')}`,
      );
    }
  }
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
  if (options.token !== undefined && !telemetry && (facts.path === '/api' || facts.path.startsWith('/api/'))) {
    if (facts.token === undefined) {
      return refuse(401, 'unauthorized', 'this controller needs its token: authorization: Bearer <token>');
    }
    if (!tokensEqual(facts.token, options.token)) {
      return refuse(403, 'forbidden', 'this token is not the controller token');
    }
  }
  return null;
}

/** Installs the rule on every HTTP request (before routing, so unknown paths are covered too). */
export function installAccessGuard(app: FastifyInstance, options: AccessOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = checkAccess(
      {
        method: request.method,
        path: request.url.split('?')[0] ?? '',
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

/**
 * The same rule for socket.io's engine (allowRequest): Host and Origin of the handshake, as if it changed
 * state (a socket can ask for worlds to be watched), and the token from `auth.token` checked in middleware.
 */
export function socketRefusal(request: IncomingMessage, options: AccessOptions): Refusal | null {
  return checkAccess(
    {
      method: 'POST',
      path: '/socket.io/',
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
