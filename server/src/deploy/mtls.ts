// The controller's only calls into a world: the routes of SERVICE_ROUTES (@dw/world) over mutual TLS, as the
// world's controller identity, checking that the answer comes from the expected service (its DNS SAN).
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { SERVICE_ROUTES, type ServiceRouteName } from '@dw/world';

export interface TlsIdentity {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface ProbeAnswer {
  status: number;
  body: unknown;
}

const MAX_BODY = 256 * 1024;

/** Calls one of a service's controller routes (SERVICE_ROUTES), with `body` for a PUT. */
export function callService(
  target: { host: string; port: number; serviceId: string },
  route: ServiceRouteName,
  identity: TlsIdentity,
  options: { body?: unknown; timeoutMs?: number } = {},
): Promise<ProbeAnswer> {
  const { method, path } = SERVICE_ROUTES[route];
  return mtlsJson(target, method, path, identity, options.body, options.timeoutMs);
}

export function mtlsGetJson(
  target: { host: string; port: number; serviceId: string },
  path: string,
  identity: TlsIdentity,
  timeoutMs = 10_000,
): Promise<ProbeAnswer> {
  return mtlsJson(target, 'GET', path, identity, undefined, timeoutMs);
}

/** A call with a JSON body (the controller's control calls, e.g. PUT /_dw/faults). */
export function mtlsJson(
  target: { host: string; port: number; serviceId: string },
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  identity: TlsIdentity,
  body: unknown,
  timeoutMs = 10_000,
): Promise<ProbeAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method,
        servername: target.serviceId,
        cert: identity.certPem,
        key: identity.keyPem,
        ca: identity.caPem,
        agent: false,
        timeout: timeoutMs,
        headers:
          payload === undefined
            ? { accept: 'application/json' }
            : {
                accept: 'application/json',
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length > MAX_BODY) req.destroy(new Error('the answer is too large'));
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: hand back the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The certificate a service presents, read from a real mutual-TLS handshake as the controller: exactly what
 * any client connecting to it receives (after a renewal too). The server's name is checked like callers do.
 */
export function servedCertificatePem(
  target: { host: string; port: number; serviceId: string },
  identity: TlsIdentity,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      servername: target.serviceId,
      cert: identity.certPem,
      key: identity.keyPem,
      ca: identity.caPem,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (!raw) return reject(new Error(`"${target.serviceId}" presented no certificate`));
      resolve(new X509Certificate(raw).toString());
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}
