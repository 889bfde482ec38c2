// The diagram as the security policy, checked from outside with clients nobody here wrote (openssl s_client and
// curl), and from inside through the live stream: deny links, the certificate inspector, the handshake matrix.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createCA, issueLeaf } from '@dw/pki';
import {
  type ClientToServerEvents,
  type DeployStatus,
  type ServerToClientEvents,
  type ServiceCertificate,
  spiffeId,
  type TrafficFrame,
} from '@dw/world';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWatched } from '../testing/deployed-world.js';
import { type TempApp, waitFor } from '../testing/temp-app.js';
import { DENY_WORLD } from '../testing/worlds.js';

let t: TempApp;
let worldId: string;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
let files: string;
const frames: TrafficFrame[] = [];

const deployStatus = async () =>
  (await t.app.inject({ method: 'GET', url: `/api/worlds/${worldId}/deploy` })).json() as DeployStatus;
const portOf = async (id: string) => (await deployStatus()).services.find((s) => s.id === id)?.port as number;

/** Runs a program with a time limit; resolves with its exit code and both outputs, whatever the code. */
function run(file: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}\n${stderr}` });
    });
    // a program that exits without reading its input closes the pipe first: that is not the test's failure
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

beforeAll(async () => {
  ({ t, worldId, socket } = await deployWatched(DENY_WORLD, frames));

  // Credentials for the matrix, as files the command-line clients read.
  files = await mkdtemp(join(tmpdir(), 'dw-matrix-'));
  const deployments = join(t.dataDir, 'deployments');
  const [dir] = await readdir(deployments);
  const own = join(deployments, dir as string);
  const foreignCa = await createCA({ worldId: 'elsewhere' });
  const foreign = await issueLeaf(foreignCa, { worldId, serviceId: 'orders' });
  const ca = { certPem: await readFile(join(t.dataDir, 'pki', worldId, 'ca.crt'), 'utf8'), keyPem: '' };
  ca.keyPem = await readFile(join(t.dataDir, 'pki', worldId, 'ca.key'), 'utf8');
  const expired = await issueLeaf(ca, {
    worldId,
    serviceId: 'orders',
    notBefore: new Date(Date.now() - 2 * 3600_000),
    validityMs: 3600_000,
  });
  await writeFile(join(files, 'foreign.crt'), foreign.certPem);
  await writeFile(join(files, 'foreign.key'), foreign.keyPem, { mode: 0o600 });
  await writeFile(join(files, 'expired.crt'), expired.certPem);
  await writeFile(join(files, 'expired.key'), expired.keyPem, { mode: 0o600 });
  for (const name of ['ca.crt', 'orders.crt', 'orders.key', 'payments.crt', 'payments.key']) {
    await writeFile(join(files, name), await readFile(join(own, name)), { mode: 0o600 });
  }
});

afterAll(async () => {
  socket?.close();
  await t?.close();
  if (files) await rm(files, { recursive: true, force: true });
});

describe('a deny link', () => {
  it('carries calls that the callee refuses: refused on the link, none accepted by the callee', async () => {
    const from = frames.length;
    const frame = await waitFor(
      'refusals on the deny link',
      () => frames.slice(from).find((f) => (f.links.find((l) => l.id === 'l2')?.total.refused ?? 0) >= 5),
      8000,
    );
    const deny = frame.links.find((l) => l.id === 'l2');
    const allow = frame.links.find((l) => l.id === 'l3');
    expect(deny?.total.refused).toBe(deny?.total.requests);
    expect(frame.services.find((s) => s.id === 'payments')?.totalAccepted).toBe(0);
    expect(allow?.total.requests).toBeGreaterThan(0);
    expect(allow?.total.refused).toBe(0);
    console.log(
      `deny link l2: ${deny?.total.requests} calls, ${deny?.total.refused} refused; allow link l3: ${allow?.total.requests} calls, 0 refused`,
    );
  });
});

describe('handshakes and reused connections', () => {
  it('counts new mutual-TLS connections per link, far fewer than the requests they carry', async () => {
    const frame = await waitFor(
      'traffic on l3',
      () => frames.findLast((f) => (f.links.find((l) => l.id === 'l3')?.total.requests ?? 0) >= 30),
      10_000,
    );
    const l3 = frame.links.find((l) => l.id === 'l3');
    const handshakes = l3?.total.handshakes ?? 0;
    expect(handshakes).toBeGreaterThanOrEqual(1);
    expect(handshakes).toBeLessThan(l3?.total.requests ?? 0);
    console.log(`link l3: ${l3?.total.requests} requests over ${handshakes} new TLS connection(s)`);
  });
});

describe('the certificate inspector', () => {
  it('shows the certificate a plain tls.connect receives, and who may call, with no key material', async () => {
    const port = await portOf('inventory');
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/worlds/${worldId}/deploy/services/inventory/certificate`,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toMatch(/PRIVATE KEY|BEGIN/);
    const answer = response.json() as ServiceCertificate;

    const ca = await readFile(join(files, 'ca.crt'), 'utf8');
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, servername: 'inventory', ca, rejectUnauthorized: false });
      s.once('secureConnect', () => {
        resolve(s.getPeerCertificate().raw);
        s.destroy();
      });
      s.once('error', reject);
    });
    const sha256 = createHash('sha256').update(raw).digest('hex').toUpperCase().match(/../g)?.join(':');
    expect(answer.certificate.fingerprint256).toBe(sha256);
    expect(answer.certificate.dnsNames).toEqual(['inventory']);
    expect(answer.certificate.uris).toEqual([spiffeId(worldId, 'inventory')]);
    expect(Date.parse(answer.certificate.notAfter)).toBeGreaterThan(Date.now());
    expect(answer.allowedCallers).toEqual([{ spiffeId: spiffeId(worldId, 'orders'), serviceId: 'orders' }]);

    const payments = (
      await t.app.inject({ method: 'GET', url: `/api/worlds/${worldId}/deploy/services/payments/certificate` })
    ).json() as ServiceCertificate;
    expect(payments.allowedCallers).toEqual([]); // its only incoming link denies
  });

  it('says what is wrong for a service that is not part of the deployment', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/worlds/${worldId}/deploy/services/nobody/certificate`,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toContain('"nobody"');
  });
});

describe('the handshake matrix, with openssl s_client and curl', () => {
  const url = (port: number, name = 'inventory') => [
    '--resolve',
    `${name}:${port}:127.0.0.1`,
    `https://${name}:${port}/`,
  ];
  const curl = (args: string[]) =>
    run('curl', ['-sS', '-X', 'POST', '-o', '/dev/null', '-w', 'HTTP %{http_code}', '--max-time', '5', ...args]);
  const sClient = (port: number, args: string[]) =>
    run(
      'openssl',
      [
        's_client',
        '-ign_eof',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'inventory',
        '-CAfile',
        join(files, 'ca.crt'),
        ...args,
      ],
      'POST / HTTP/1.1\r\nHost: inventory\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );

  it('answers a linked caller 200 (curl)', async () => {
    const port = await portOf('inventory');
    const f = (n: string) => join(files, n);
    const result = await curl([
      '--cacert',
      f('ca.crt'),
      '--cert',
      f('orders.crt'),
      '--key',
      f('orders.key'),
      ...url(port),
    ]);
    expect(result.out).toContain('HTTP 200');
  });

  it('answers a valid certificate without a link 403 (curl)', async () => {
    const port = await portOf('inventory');
    const f = (n: string) => join(files, n);
    const result = await curl([
      '--cacert',
      f('ca.crt'),
      '--cert',
      f('payments.crt'),
      '--key',
      f('payments.key'),
      ...url(port),
    ]);
    expect(result.out).toContain('HTTP 403');
  });

  it('refuses a client without a certificate in the handshake: alert "certificate required" (openssl)', async () => {
    const result = await sClient(await portOf('inventory'), []);
    expect(result.out).toMatch(/alert certificate required/);
    expect(result.out).not.toMatch(/HTTP\/1\.1 \d{3}/);
    const viaCurl = await curl(['--cacert', join(files, 'ca.crt'), ...url(await portOf('inventory'))]);
    expect(viaCurl.out).not.toMatch(/HTTP [1-9]/);
  });

  it('gives a certificate of a foreign CA, and an expired one, no HTTP answer (openssl, curl)', async () => {
    const port = await portOf('inventory');
    for (const which of ['foreign', 'expired']) {
      const cert = join(files, `${which}.crt`);
      const key = join(files, `${which}.key`);
      const result = await sClient(port, ['-cert', cert, '-key', key]);
      // Node verifies client certificates after the TLS 1.3 handshake and closes without an alert, so
      // s_client reports no alert by name here: what matters is that no HTTP answer ever comes.
      expect(result.out, which).not.toMatch(/HTTP\/1\.1 \d{3}/);
      const viaCurl = await curl(['--cacert', join(files, 'ca.crt'), '--cert', cert, '--key', key, ...url(port)]);
      expect(viaCurl.out, which).not.toMatch(/HTTP [1-9]/);
    }
  });

  it('makes a caller refuse a server whose certificate is not the name it asked for (curl, openssl)', async () => {
    const f = (n: string) => join(files, n);
    // inventory's port, asked for as "payments": the certificate says inventory
    const result = await curl([
      '--cacert',
      f('ca.crt'),
      '--cert',
      f('orders.crt'),
      '--key',
      f('orders.key'),
      ...url(await portOf('inventory'), 'payments'),
    ]);
    expect(result.out).toMatch(/no alternative certificate subject name matches|SSL: certificate subject name/);
    expect(result.out).not.toMatch(/HTTP [1-9]/);
    const viaOpenssl = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${await portOf('inventory')}`,
        '-verify_hostname',
        'payments',
        '-verify_return_error',
        '-CAfile',
        f('ca.crt'),
        '-cert',
        f('orders.crt'),
        '-key',
        f('orders.key'),
      ],
      '',
    );
    expect(viaOpenssl.out).toMatch(/hostname mismatch/);
  });

  it('reports each refusal of the callee in the live stream with its reason', async () => {
    const port = await portOf('inventory');
    const from = frames.length;
    const f = (n: string) => join(files, n);
    await sClient(port, []);
    await curl(['--cacert', f('ca.crt'), '--cert', f('foreign.crt'), '--key', f('foreign.key'), ...url(port)]);
    await curl(['--cacert', f('ca.crt'), '--cert', f('expired.crt'), '--key', f('expired.key'), ...url(port)]);
    await curl(['--cacert', f('ca.crt'), '--cert', f('payments.crt'), '--key', f('payments.key'), ...url(port)]);
    const seen = new Set<string>();
    await waitFor(
      'every reason in the stream',
      () => {
        for (const frame of frames.slice(from)) {
          for (const r of frame.refusals) if (r.to === 'inventory') seen.add(`${r.from ?? '(none)'} ${r.reason}`);
        }
        return ['no-certificate', 'unknown-ca', 'expired', 'not-linked'].every((reason) =>
          [...seen].some((s) => s.endsWith(` ${reason}`)),
        )
          ? true
          : undefined;
      },
      5000,
    );
    expect(seen).toContain('payments not-linked');
    expect(seen).toContain('(none) no-certificate');
  });
});
