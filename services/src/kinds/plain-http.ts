// The plain-HTTP side of the kinds that face a program or the host (a gateway's door, a process's sidecar and
// egress): a JSON answer, and a body read into memory within a bound.
import type http from 'node:http';

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/**
 * Reads a request body, at most `limit` bytes; null when it is larger, or when the sender went away (an error, or
 * the connection closed before the body was complete), so that a cut upload never leaves a read pending. Past the
 * limit nothing more is kept; the caller answers (413) and ends the connection.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve(null);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks, size)));
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(req.complete && size <= limit ? Buffer.concat(chunks, size) : null));
  });
}

/**
 * Refuses a request whose body readBody gave up on: 413 (unless the sender went away, or an answer has started),
 * and the connection ends once that answer is written, so nothing more of the body is read. Ending the request
 * first, as the readers did before, took the socket down before the answer left: the sender saw a reset, never
 * the 413.
 */
export function refuseBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): void {
  if (res.headersSent || res.destroyed || req.socket.destroyed) {
    req.destroy();
    return;
  }
  res.setHeader('connection', 'close');
  res.once('finish', () => req.destroy());
  res.once('close', () => req.destroy());
  sendJson(res, 413, { error: 'too-large', message: `bodies are at most ${limit} bytes` });
}
