// Identities in Kubernetes, with the real bundles the pods run (dist/compose-pki.js, dist/enroll.js,
// services/dist/main.js) configured by the exported manifests themselves: only the paths (volumes), ports and
// host names (cluster DNS) are rewritten to a temporary directory and 127.0.0.1. The issuer issues nothing at
// start; each init container enrolls with its bootstrap token; the services then call each other over mTLS.
// And the refusals: a wrong or foreign token, a key swapped under a valid proof, a forged or replayed answer.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf, issueLeafForKey } from '@dw/pki';
import {
  ENROLL_CONFIG_ENV,
  type EnrollConfig,
  type EnrollResponse,
  enrollRequestText,
  PKI_CONFIG_ENV,
  type PkiConfig,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
  type TelemetryBatch,
  type World,
} from '@dw/world';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from '../testing/temp-app.js';
import { EnrollRefused, enroll } from './enroll.js';
import { hmac } from './enrollment-proof.js';
import { kubernetesForWorld } from './kubernetes-export.js';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const issuerBundle = join(serverDir, 'dist/compose-pki.js');
const enrollBundle = join(serverDir, 'dist/enroll.js');
const serviceBundle = fileURLToPath(new URL('../../../services/dist/main.js', import.meta.url));
const WORLD_ID = 'shop-abc123';

beforeAll(() => {
  if (existsSync(issuerBundle) && existsSync(enrollBundle) && existsSync(serviceBundle)) return;
  for (const cwd of [serverDir, fileURLToPath(new URL('../../../services', import.meta.url))]) {
    const built = spawnSync(process.execPath, ['build.mjs'], { cwd, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`could not build the bundles in ${cwd}: ${built.stderr}`);
  }
}, 120_000);

const children: ChildProcess[] = [];
const servers: http.Server[] = [];
let dir = '';
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers) server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>) {
  // Only what the container's manifest gives it (and PATH-less, as in a pod).
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** A client calling a service: the world the manifests are made from. */
const WORLD: World = {
  version: 1,
  name: 'pair',
  services: [
    { id: 'caller', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 20 } },
    { id: 'callee', kind: 'service', position: { x: 200, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
  ],
  links: [{ id: 'l1', from: 'caller', to: 'callee' }],
};
const TOKENS: Record<string, string> = {
  caller: randomBytes(32).toString('base64url'),
  callee: randomBytes(32).toString('base64url'),
};

const exported = kubernetesForWorld(
  { worldId: WORLD_ID, rev: 1, world: WORLD },
  { bootstrapToken: (id) => TOKENS[id] as string, observer: false },
);
const deployment = (name: string) =>
  exported.objects.find((o): o is IDeployment => o.kind === 'Deployment' && o.metadata?.name === name) as IDeployment;
/** An env value of a container as the pod sees it ($$ is Kubernetes' escape of $). */
const envValue = (containers: { env?: { name: string; value?: string }[] }[] | undefined, name: string) =>
  (containers?.[0]?.env?.find((e) => e.name === name)?.value ?? '').replaceAll('$$', '$');

let pki: PkiConfig & { enrollment: { port: number; tokensDir: string } };
let caPem = '';

describe('Kubernetes identities with the real bundles', () => {
  it('dw-pki issues nothing at start and serves enrollment; each init container enrolls with its own token', async () => {
    dir = await tempDir('dw-k8s-');
    pki = JSON.parse(envValue(deployment('dw-pki').spec?.template.spec?.containers, PKI_CONFIG_ENV));
    pki.caDir = join(dir, 'pki-ca');
    pki.issuer = { name: 'dw-pki', port: await freePort() };
    pki.enrollment = { port: await freePort(), tokensDir: join(dir, 'bootstrap') };
    // The Secret, mounted whole into the issuer's pod: one file per key.
    const secret = exported.objects.find((o) => o.kind === 'Secret');
    mkdirSync(pki.enrollment.tokensDir);
    for (const [id, token] of Object.entries(secret?.kind === 'Secret' ? (secret.stringData ?? {}) : {})) {
      writeFileSync(join(pki.enrollment.tokensDir, id), token, { mode: 0o400 });
    }
    const issuer = run([issuerBundle], { [PKI_CONFIG_ENV]: JSON.stringify(pki) });
    await waitFor(
      'the issuer',
      () => (issuer.output().includes('enrollment listening') ? true : undefined),
      20_000,
      50,
    );
    expect(
      spawnSync(process.execPath, [issuerBundle, '--check'], { env: { [PKI_CONFIG_ENV]: JSON.stringify(pki) } }).status,
    ).toBe(0);
    expect(issuer.output()).not.toMatch(/issued /); // no volume to issue into: pods enroll
    caPem = readFileSync(join(pki.caDir, 'ca.crt'), 'utf8');

    for (const id of ['caller', 'callee']) {
      const pod = deployment(id).spec?.template.spec;
      const config: EnrollConfig = JSON.parse(envValue(pod?.initContainers, ENROLL_CONFIG_ENV));
      // The pod's token volume holds its own key of the Secret only, as `token`.
      const item = pod?.volumes?.find((v) => v.name === 'bootstrap')?.secret?.items?.[0];
      mkdirSync(join(dir, id, 'bootstrap'), { recursive: true });
      writeFileSync(join(dir, id, 'bootstrap', item?.path as string), TOKENS[item?.key as string] as string);
      config.tokenFile = join(dir, id, 'bootstrap', 'token');
      config.identityDir = join(dir, id, 'identity');
      config.url = `https://127.0.0.1:${pki.enrollment.port}/enroll`;
      const init = run([enrollBundle], { [ENROLL_CONFIG_ENV]: JSON.stringify(config) });
      expect(await init.exited, init.output()).toBe(0);
      expect(init.output()).toMatch(new RegExp(`enrolled ${id}: serial \\w+`));
      expect(init.output()).not.toMatch(/PRIVATE KEY|BEGIN/);
      const leaf = new X509Certificate(readFileSync(join(config.identityDir, 'tls.crt')));
      expect(leaf.subjectAltName).toBe(`DNS:${id}, URI:spiffe://${WORLD_ID}/${id}`);
      expect(leaf.verify(new X509Certificate(caPem).publicKey)).toBe(true);
      expect(readFileSync(join(config.identityDir, 'ca.crt'), 'utf8')).toBe(caPem);
      expect(statSync(join(config.identityDir, 'tls.key')).mode & 0o777).toBe(0o600);
      expect(readdirSync(config.identityDir).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    }
    expect(issuer.output()).toMatch(/enrolled caller: spiffe:\/\/shop-abc123\/caller/);
    expect(issuer.output()).toMatch(/enrolled callee: spiffe:\/\/shop-abc123\/callee/);
  });

  it('the services then run on those identities: calls cross mutual TLS, and each may renew from dw-pki', async () => {
    const batches: TelemetryBatch[] = [];
    const sink = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        batches.push(JSON.parse(text));
        res.writeHead(204).end();
      });
    });
    servers.push(sink);
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const telemetry = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/telemetry`;
    const calleePort = await freePort();
    const configOf = (id: string): SpawnConfig => {
      const config: SpawnConfig = JSON.parse(
        envValue(deployment(id).spec?.template.spec?.containers, SPAWN_CONFIG_ENV),
      );
      const identity = join(dir, id, 'identity');
      return {
        ...config,
        listen: { host: '127.0.0.1', port: id === 'callee' ? calleePort : 0 },
        identity: {
          certFile: join(identity, 'tls.crt'),
          keyFile: join(identity, 'tls.key'),
          caFile: join(identity, 'ca.crt'),
        },
        peers: config.peers.map((p) => ({ ...p, url: `https://127.0.0.1:${calleePort}` })),
        telemetry: { ...config.telemetry, url: telemetry },
        renewal: config.renewal && { ...config.renewal, url: `https://127.0.0.1:${pki.issuer?.port}/renew` },
      } as SpawnConfig;
    };
    const callee = run([serviceBundle], { [SPAWN_CONFIG_ENV]: JSON.stringify(configOf('callee')) });
    await waitFor('callee to listen', () => (callee.output().includes('listening on') ? true : undefined), 20_000, 50);
    run([serviceBundle], { [SPAWN_CONFIG_ENV]: JSON.stringify(configOf('caller')) });
    const calls = () =>
      batches
        .filter((b) => b.serviceId === 'caller')
        .flatMap((b) => b.calls)
        .reduce((t, c) => ({ requests: t.requests + c.requests, bad: t.bad + c.errors + c.refused }), {
          requests: 0,
          bad: 0,
        });
    await waitFor('20 calls from caller to callee', () => (calls().requests >= 20 ? true : undefined), 20_000, 100);
    expect(calls().bad).toBe(0);

    // The enrolled identity is one the world's issuer renews (mutual TLS with it).
    const identity = join(dir, 'caller', 'identity');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const renewed = await post(
      `https://127.0.0.1:${pki.issuer?.port}/renew`,
      {
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
      {
        cert: readFileSync(join(identity, 'tls.crt')),
        key: readFileSync(join(identity, 'tls.key')),
        ca: caPem,
        servername: 'dw-pki',
      },
    );
    expect(renewed.status).toBe(200);
  });

  it('refuses a wrong token, a service of no world, and a key swapped under a valid proof', async () => {
    const url = `https://127.0.0.1:${pki.enrollment.port}/enroll`;
    const config = (serviceId: string, token: string): EnrollConfig => {
      const tokenFile = join(dir, `token-${serviceId}-${randomBytes(4).toString('hex')}`);
      writeFileSync(tokenFile, token);
      return {
        worldId: WORLD_ID,
        serviceId,
        url,
        serverName: 'dw-pki',
        tokenFile,
        identityDir: join(dir, 'never'),
        waitMs: 2000,
      };
    };
    await expect(enroll(config('caller', TOKENS.callee as string))).rejects.toThrow(
      /refused \(403\).*no bootstrap token/,
    );
    await expect(enroll(config('ghost', TOKENS.caller as string))).rejects.toThrow(/refused \(403\)/);
    await expect(enroll(config('caller', ''))).rejects.toThrow(/is empty/);
    expect(existsSync(join(dir, 'never'))).toBe(false);

    // A proof made for one key, sent with another (a man in the middle swapping keys): 403.
    const key = (k: ReturnType<typeof generateKeyPairSync>) =>
      k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const mine = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const theirs = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const nonce = randomBytes(32).toString('base64url');
    const proof = hmac(
      TOKENS.caller as string,
      enrollRequestText(WORLD_ID, { serviceId: 'caller', publicKeyPem: key(mine), nonce }),
    );
    const swapped = await post(url, { serviceId: 'caller', publicKeyPem: key(theirs), nonce, proof });
    expect(swapped.status).toBe(403);
    const honest = await post(url, { serviceId: 'caller', publicKeyPem: key(mine), nonce, proof });
    expect(honest.status).toBe(200);
  });

  it('trusts no answer its token does not prove: a forged issuer, or a genuine answer replayed', async () => {
    // A genuine answer, for another request (its nonce) of the same service with the same token.
    const mine = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const publicKeyPem = mine.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const nonce = randomBytes(32).toString('base64url');
    const proof = hmac(
      TOKENS.caller as string,
      enrollRequestText(WORLD_ID, { serviceId: 'caller', publicKeyPem, nonce }),
    );
    const genuine = await post(`https://127.0.0.1:${pki.enrollment.port}/enroll`, {
      serviceId: 'caller',
      publicKeyPem,
      nonce,
      proof,
    });
    expect(genuine.status).toBe(200);

    // An impostor issuer at the address the pod dials, with a CA of its own: it signs a leaf of the right names
    // for the pod's own key, serves TLS as dw-pki of that CA, and makes up the proof (it has no token).
    const foreign = await createCA({ worldId: WORLD_ID });
    const identity = await issueLeaf(foreign, { worldId: WORLD_ID, serviceId: 'dw-pki' });
    let mode: 'forge' | 'replay' = 'forge';
    const impostor = https.createServer({ cert: identity.certPem, key: identity.keyPem }, (req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', async () => {
        const asked = JSON.parse(text);
        const answer: EnrollResponse =
          mode === 'replay'
            ? (genuine.body as EnrollResponse)
            : {
                certPem: await issueLeafForKey(foreign, {
                  worldId: WORLD_ID,
                  serviceId: asked.serviceId,
                  publicKeyPem: asked.publicKeyPem,
                }),
                caPem: foreign.certPem,
                proof: randomBytes(32).toString('base64url'),
              };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    servers.push(impostor);
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const tokenFile = join(dir, 'token-impostor');
    writeFileSync(tokenFile, TOKENS.caller as string);
    const config: EnrollConfig = {
      worldId: WORLD_ID,
      serviceId: 'caller',
      url: `https://127.0.0.1:${(impostor.address() as AddressInfo).port}/enroll`,
      serverName: 'dw-pki',
      tokenFile,
      identityDir: join(dir, 'fooled'),
      waitMs: 2000,
    };
    await expect(enroll(config)).rejects.toThrow(EnrollRefused);
    await expect(enroll(config)).rejects.toThrow(/not proven by this service's bootstrap token/);
    mode = 'replay';
    await expect(enroll(config)).rejects.toThrow(/not proven by this service's bootstrap token/);
    expect(existsSync(join(dir, 'fooled'))).toBe(false);
  });

  it('exits 2 on a bad config, saying what is wrong', () => {
    const bad = spawnSync(process.execPath, [enrollBundle], {
      env: { [ENROLL_CONFIG_ENV]: '{"serviceId":"x"}' },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid DW_ENROLL/);
    const none = spawnSync(process.execPath, [enrollBundle], { env: {}, encoding: 'utf8' });
    expect(none.status).toBe(2);
  });
});

/** A JSON POST over HTTPS; the issuer's certificate is not checked unless `tls` says how. */
function post(url: string, body: unknown, tls: https.RequestOptions = { rejectUnauthorized: false }) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = https.request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, ...tls },
      (res) => {
        let answer = '';
        res.on('data', (c) => (answer += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(answer) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
