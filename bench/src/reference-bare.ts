// The scale benchmark's reference: a bare Node mTLS server with the same TLS settings as a service (TLS 1.3, a
// client certificate required from the world CA, keep-alive 30 s) that answers 200 and does nothing else. It says
// it listens over its IPC channel, the way the benchmark times how long N of them take to start.
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

interface BareConfig {
  certFile: string;
  keyFile: string;
  caFile: string;
}

const config = JSON.parse(process.env.DW_REFERENCE_CONFIG ?? '{}') as BareConfig;
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0)); // exit hooks run: a --cpu-prof profile is written

const ok = JSON.stringify({ ok: true });
const server = https.createServer(
  {
    cert: readFileSync(config.certFile, 'utf8'),
    key: readFileSync(config.keyFile, 'utf8'),
    ca: readFileSync(config.caFile, 'utf8'),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  },
  (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ok.length });
      res.end(ok);
    });
  },
);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ listening: (server.address() as AddressInfo).port });
});
