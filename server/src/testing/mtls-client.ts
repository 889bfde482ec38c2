// Test helper: one HTTPS request to a service as some caller (or as nobody), on 127.0.0.1 only.
import { request } from 'node:https';

export interface CallResult {
  status: number;
  body: string;
}

export function callService(
  port: number,
  servername: string,
  tls: { cert?: string; key?: string; ca: string },
  headers: Record<string, string> = {},
): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        servername,
        ...tls,
        agent: false,
        timeout: 5000,
        headers: { 'content-type': 'application/octet-stream', 'content-length': '0', ...headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The error of a call that must be refused: fails when it was answered, or when it only timed out (a service
 * that hangs is not one that refuses).
 */
export async function refusedCall(call: Promise<CallResult>): Promise<NodeJS.ErrnoException> {
  let answer: CallResult;
  try {
    answer = await call;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.message === 'timed out') throw new Error('the call timed out instead of being refused');
    return e;
  }
  throw new Error(`the call was answered ${answer.status}: ${answer.body.slice(0, 200)}`);
}
