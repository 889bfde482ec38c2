// The small HTTP pieces both identity issuers share (compose-issuer.ts: renewal; ../kubernetes/
// enrollment-issuer.ts: first leaves): a refusal with its status and code, a JSON answer, and a bounded body.

/** The largest request body an issuer reads: a public key and a proof fit many times over. */
export const MAX_BODY_BYTES = 8192;

/** A request refused: its HTTP status, a code for programs and a sentence for people. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** The body as text, refused with 413 beyond MAX_BODY_BYTES (the connection is then closed). */
export function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Refusal(413, 'too-large', `the body must be at most ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
