// The reference hop: a minimal Node mTLS server (same TLS settings as a service: TLS 1.3, client certificate
// required from the world CA) that forwards each request to the next hop with the same HTTP client library
// (an undici Pool per peer, kept-alive, the same limits) and answers 200. No authorization by SPIFFE id, no
// hop budget, no trace context, no telemetry: what a mesh hop costs at the least.
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { Pool } from 'undici';

interface ReferenceConfig {
  port: number;
  certFile: string;
  keyFile: string;
  caFile: string;
  next?: { url: string; servername: string };
}

const config = JSON.parse(process.env.DW_REFERENCE_CONFIG ?? '{}') as ReferenceConfig;
const cert = readFileSync(config.certFile, 'utf8');
const key = readFileSync(config.keyFile, 'utf8');
const ca = readFileSync(config.caFile, 'utf8');
process.on('disconnect', () => process.exit(0));
// Exit hooks run (a --cpu-prof profile is written) when the benchmark ends this process.
process.on('SIGTERM', () => process.exit(0));

const pool = config.next
  ? new Pool(config.next.url, {
      connections: 256,
      keepAliveTimeout: 30_000,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      connect: {
        secureContext: tls.createSecureContext({ ca, cert, key, minVersion: 'TLSv1.3' }),
        servername: config.next.servername,
        timeout: 10_000,
      },
    })
  : undefined;

const ok = JSON.stringify({ ok: true });
const server = https.createServer(
  { cert, key, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
  (req, res) => {
    req.resume();
    req.on('end', async () => {
      let status = 200;
      if (pool) {
        try {
          const answer = await pool.request({ path: '/', method: 'POST', body: '' });
          await answer.body.dump();
          if (answer.statusCode !== 200) status = 502;
        } catch {
          status = 502;
        }
      }
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': ok.length });
      res.end(ok);
    });
  },
);
server.keepAliveTimeout = 30_000;
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as AddressInfo).port}\n`);
});
