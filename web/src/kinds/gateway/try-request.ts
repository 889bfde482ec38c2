// The pure parts of a gateway's "try it" box: the request it sends, and how the answer reads.
import type { GatewayTryMethod, GatewayTryRequest } from '@dw/world';

/** Where a running gateway's door is, from its port in the deploy status. */
export const doorUrl = (port: number, tls = false) => `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

/** Methods whose requests carry the body typed in the box (GET and HEAD send none). */
export const sendsBody = (method: GatewayTryMethod) => method !== 'GET' && method !== 'HEAD';

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The body for the controller's try route: a body only where the method sends one, typed JSON when it parses. */
export function tryRequest(method: GatewayTryMethod, path: string, body: string): GatewayTryRequest {
  const trimmed = path.trim();
  const request: GatewayTryRequest = { method, path: trimmed.startsWith('/') ? trimmed : `/${trimmed}` };
  if (sendsBody(method) && body !== '') {
    request.body = body;
    request.headers = { 'content-type': isJson(body) ? 'application/json' : 'text/plain; charset=utf-8' };
  }
  return request;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
};

/** "200 OK", "508 Loop Detected", "299" for a code without a common name. */
export const statusLine = (status: number) => (REASONS[status] ? `${status} ${REASONS[status]}` : String(status));

/** 2xx and 3xx read as fine, 4xx as the caller's, 5xx as the server's. */
export const statusClass = (status: number): 'ok' | 'client' | 'server' =>
  status >= 500 ? 'server' : status >= 400 ? 'client' : 'ok';

/** A JSON body indented for reading; anything else as it came. */
export function readableBody(body: string, contentType: string | undefined): string {
  if (body === '' || !(contentType?.includes('json') ?? /^\s*[[{]/.test(body))) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
