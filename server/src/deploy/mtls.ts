// The controller's only calls into a world: GET /_dw/health and /_dw/stats over mutual TLS, as the world's
// controller identity, checking that the answer comes from the expected service (its DNS SAN).
import { request } from 'node:https';

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

export function mtlsGetJson(
  target: { host: string; port: number; serviceId: string },
  path: string,
  identity: TlsIdentity,
  timeoutMs = 2000,
): Promise<ProbeAnswer> {
  return mtlsJson(target, 'GET', path, identity, undefined, timeoutMs);
}

/** A call with a JSON body (the controller's control calls, e.g. PUT /_dw/faults). */
export function mtlsJson(
  target: { host: string; port: number; serviceId: string },
  method: 'GET' | 'PUT',
  path: string,
  identity: TlsIdentity,
  body: unknown,
  timeoutMs = 2000,
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
