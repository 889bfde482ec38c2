// `npm run test:compose`: the exported compose file on a real Docker engine, with no image registry.
// 1. docker.io and docker-compose are installed (apt-get, as root) when missing; dockerd is started when it is
//    not running (and stopped again at the end).
// 2. A base image is made with `docker import` from a root filesystem holding this machine's node and the
//    libraries ldd lists; the app image is built from the repository's Dockerfile on top of it.
// 3. A five-service world with fan-out (world/fixtures/compose.world.json) is exported with the CLI, checked
//    with `docker-compose config -q`, and brought up with `docker-compose -p <project> up -d`.
// 4. Through the observer's port on 127.0.0.1: every service turns ready and every link carries requests.
//    Through `docker-compose exec`: a linked call over mTLS answers 200, a call along no link is refused (403).
//    Renewal: the world's leaves live one minute, so each service renews its own leaf from dw-pki about every
//    40 s; the serial orders presents (seen by a TLS handshake from shopper's container) changes, while the
//    observer's frames show traffic on every link and no error or refusal during the renewal.
// 5. `down -v`, images removed; nothing labelled with the project is left (containers, networks, volumes).
// Bounded in time; cleans up on failure too. The host talks only to 127.0.0.1; containers among themselves on
// the network compose creates. Ends with `compose: N passed, N failed`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDependencies, ensurePnpm, root, runOrExit } from './toolchain.mjs';

const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const TOTAL_MS = 15 * 60_000;
const HEALTHY_WITHIN_MS = 180_000;
const TRAFFIC_FOR_MS = 6000;
/** The world's leaf lifetime in this test: renewal at 2/3 of it, i.e. about every 40 s. */
const LEAF_LIFETIME_MINUTES = 1;
const RENEWAL_WITHIN_MS = 75_000;

const tag = randomBytes(4).toString('hex');
const project = `dwtest${tag}`;
const baseImage = `dw-test-base:${tag}`;
const appImage = `dw-test-app:${tag}`;
const work = mkdtempSync(join(tmpdir(), 'dw-compose-'));
const composeFile = join(work, 'compose.yaml');
const results = [];
let startedDockerd = null;
let composeUp = false;

function log(message) {
  console.log(`[compose] ${message}`);
}

function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}`);
  return ok;
}

/** Runs a command; throws with its stderr when it fails. */
function sh(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: options.timeout ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0', ...options.env },
    input: options.input,
    cwd: options.cwd,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFail) {
    const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.slice(0, 4).join(' ')} exited ${result.status}:\n${tail}`);
  }
  return result;
}

const compose = (args, options) => sh('docker-compose', ['-p', project, '-f', composeFile, ...args], options);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function ensureDockerInstalled() {
  const have = (cmd) => spawnSync(cmd, ['version'], { encoding: 'utf8' }).error === undefined;
  const missing = [];
  if (!existsSync('/usr/bin/docker') && !have('docker')) missing.push('docker.io');
  if (!have('docker-compose')) missing.push('docker-compose');
  if (missing.length === 0) return;
  if (!isRoot)
    throw new Error(`${missing.join(' and ')} missing: install them (apt-get install -y ${missing.join(' ')})`);
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env, timeout: 300_000 });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env, timeout: 600_000 });
}

async function ensureDockerd() {
  if (sh(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { allowFail: true }).status === 0) return;
  if (!isRoot) throw new Error('the Docker engine is not running and this is not root: start dockerd');
  const logFile = join(work, 'dockerd.log');
  log(`starting dockerd (log: ${logFile})`);
  const out = openSync(logFile, 'a');
  startedDockerd = spawn('dockerd', [], { stdio: ['ignore', out, out] });
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(500)) {
    if (sh(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { allowFail: true }).status === 0) return;
    if (startedDockerd.exitCode !== null) break;
  }
  throw new Error(`dockerd did not come up: ${readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n')}`);
}

/** A base image with no registry: this machine's node and the shared libraries it needs, imported as a rootfs. */
function buildBaseImage() {
  const rootfs = join(work, 'rootfs');
  const node = execFileSync('readlink', ['-f', process.execPath], { encoding: 'utf8' }).trim();
  const put = (from, to = from) => {
    mkdirSync(join(rootfs, dirname(to)), { recursive: true });
    copyFileSync(from, join(rootfs, to));
  };
  put(node, '/usr/local/bin/node');
  const libs = execFileSync('ldd', [node], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+)/.exec(line.includes('=>') ? line.split('=>')[1] : line)?.[1])
    .filter(Boolean);
  for (const lib of libs) put(execFileSync('readlink', ['-f', lib], { encoding: 'utf8' }).trim(), lib);
  if (existsSync('/etc/ssl/openssl.cnf')) put('/etc/ssl/openssl.cnf');
  mkdirSync(join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n');
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1024 * 1024 * 1024 });
  if (tar.status !== 0) throw new Error(`tar of the rootfs failed: ${tar.stderr}`);
  sh(DOCKER, ['import', '--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', '-', baseImage], { input: tar.stdout });
  log(`base image ${baseImage}: node ${process.version} and ${libs.length} libraries`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function getJson(url, token) {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(3000),
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/** A POST from inside `from`'s container to `to`, with `from`'s own identity: what answers it. */
function callFromContainer(from, to) {
  const script = [
    "const https=require('https'),fs=require('fs');const to=process.argv[1];",
    "const r=https.request({host:to,port:8443,method:'POST',path:'/',servername:to,",
    "cert:fs.readFileSync('/identity/tls.crt'),key:fs.readFileSync('/identity/tls.key'),ca:fs.readFileSync('/identity/ca.crt'),",
    "headers:{'x-dw-hops':'3'},timeout:10000},(res)=>{let b='';res.on('data',(d)=>b+=d);",
    "res.on('end',()=>console.log(JSON.stringify({status:res.statusCode,body:b})))});",
    "r.on('error',(e)=>console.log(JSON.stringify({error:e.code||e.message})));r.end();",
  ].join('');
  const out = compose(['exec', '-T', from, 'node', '-e', script, to], { timeout: 60_000 }).stdout.trim();
  return JSON.parse(out.split('\n').pop());
}

/** The certificate `to` presents to a TLS handshake from `from`'s container (with `from`'s identity). */
function servedCertificate(from, to) {
  const script = [
    "const tls=require('tls'),fs=require('fs');const to=process.argv[1];",
    "const s=tls.connect({host:to,port:8443,servername:to,cert:fs.readFileSync('/identity/tls.crt'),",
    "key:fs.readFileSync('/identity/tls.key'),ca:fs.readFileSync('/identity/ca.crt')},()=>{",
    'const c=s.getPeerCertificate();console.log(JSON.stringify({serial:c.serialNumber,validTo:c.valid_to}));s.end()});',
    "s.on('error',(e)=>console.log(JSON.stringify({error:e.code||e.message})));",
  ].join('');
  const out = compose(['exec', '-T', from, 'node', '-e', script, to], { timeout: 60_000 }).stdout.trim();
  return JSON.parse(out.split('\n').pop());
}

async function run() {
  // Build first, as `npm test` does: the image copies these bundles, and stale ones would test old code.
  const pnpm = ensurePnpm();
  ensureDependencies(pnpm);
  runOrExit(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build']);
  ensureDockerInstalled();
  await ensureDockerd();
  for (const file of [
    'services/dist/main.js',
    'server/dist/standalone.js',
    'server/dist/compose-pki.js',
    'server/dist/cli.js',
    'web/dist/index.html',
  ]) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }

  let started = Date.now();
  buildBaseImage();
  const observerPort = await freePort();
  const world = JSON.parse(readFileSync(join(root, 'world/fixtures/compose.world.json'), 'utf8'));
  world.settings = { ...world.settings, leafLifetimeMinutes: LEAF_LIFETIME_MINUTES };
  const worldFile = join(work, 'world.json');
  writeFileSync(worldFile, JSON.stringify(world));
  const yaml = sh(process.execPath, [
    join(root, 'server/dist/cli.js'),
    'export',
    worldFile,
    '--observer-port',
    String(observerPort),
    '--base-image',
    baseImage,
    '--image',
    appImage,
    '--context',
    root,
  ]).stdout;
  writeFileSync(composeFile, yaml);
  check('exported file has no private key', !/PRIVATE KEY/.test(yaml));
  check('docker-compose config -q accepts it', compose(['config', '-q'], { allowFail: true }).status === 0);

  compose(['build', '-q'], { timeout: 600_000 });
  const size = Number(sh(DOCKER, ['image', 'inspect', '--format', '{{.Size}}', appImage]).stdout.trim());
  log(
    `app image ${appImage}: ${(size / 1e6).toFixed(1)} MB, base + build in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  started = Date.now();
  composeUp = true;
  compose(['up', '-d', '--no-build'], { timeout: 400_000 });
  const upSeconds = (Date.now() - started) / 1000;
  const worldId = /world: (\S+)/.exec(yaml)?.[1];
  // The observer listens beyond loopback inside its container, so it runs in remote mode: its API needs a token.
  const observerToken = /#token=([\w-]+)/.exec(yaml)?.[1];
  const base = `http://127.0.0.1:${observerPort}`;
  let status;
  for (const until = Date.now() + HEALTHY_WITHIN_MS; Date.now() < until; await sleep(500)) {
    status = await getJson(`${base}/api/worlds/${worldId}/deploy`, observerToken).catch(() => undefined);
    if (status?.services.every((s) => s.state === 'ready')) break;
  }
  const ready = status?.services.filter((s) => s.state === 'ready').length ?? 0;
  check(
    'every service reports ready to the observer',
    ready === world.services.length,
    `${ready}/${world.services.length} after ${((Date.now() - started) / 1000).toFixed(1)} s (up -d returned after ${upSeconds.toFixed(1)} s)`,
  );

  // Each container's mounts, as the engine reports them.
  const mountsOf = (service) => {
    const id = compose(['ps', '-q', service]).stdout.trim();
    return JSON.parse(sh(DOCKER, ['inspect', '--format', '{{json .Mounts}}', id]).stdout);
  };
  const wrong = [];
  for (const service of world.services) {
    const mounts = mountsOf(service.id).map((m) => `${m.Name}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`);
    const expected = [`${project}_identity-${service.id}:/identity:rw`];
    if (JSON.stringify(mounts) !== JSON.stringify(expected)) wrong.push(`${service.id}: ${mounts.join(', ')}`);
  }
  const pkiMounts = mountsOf('dw-pki').map((m) => m.Name);
  if (!pkiMounts.includes(`${project}_dw-ca`)) wrong.push(`dw-pki lacks the CA volume: ${pkiMounts.join(', ')}`);
  const observerMounts = mountsOf('dw-observer');
  if (observerMounts.length > 0) wrong.push(`dw-observer mounts ${observerMounts.map((m) => m.Name).join(', ')}`);
  check(
    'each service mounts only its own identity (it writes its renewed leaf there); only dw-pki holds the CA key',
    wrong.length === 0,
    wrong.join('; ') || `${world.services.length} services checked`,
  );

  // The live view, as the editor gets it: socket.io on the observer's port.
  const requireFromServer = createRequire(join(root, 'server/package.json'));
  const { io } = requireFromServer('socket.io-client');
  const socket = io(base, {
    transports: ['websocket'],
    reconnection: false,
    timeout: 5000,
    auth: { token: observerToken },
  });
  const totals = new Map(world.links.map((l) => [l.id, { requests: 0, errors: 0, refused: 0 }]));
  const refusals = [];
  let frames = 0;
  socket.on('traffic:frame', (frame) => {
    frames++;
    for (const link of frame.links) {
      const t = totals.get(link.id);
      if (t) {
        t.requests += link.requests;
        t.errors += link.errors;
        t.refused += link.refused;
      }
    }
    refusals.push(...frame.refusals);
  });
  await new Promise((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  const ack = await socket.timeout(5000).emitWithAck('world:watch', { worldId });
  check('the observer lets the editor watch the world', ack?.ok === true, JSON.stringify(ack));
  await sleep(TRAFFIC_FOR_MS);

  const perLink = world.links.map((l) => `${l.from}->${l.to} ${totals.get(l.id).requests}`).join(', ');
  check(
    'requests flow on every link over mTLS (observer frames)',
    world.links.every((l) => totals.get(l.id).requests > 0),
    `${frames} frames in ${TRAFFIC_FOR_MS / 1000} s: ${perLink}`,
  );
  const errors = [...totals.values()].reduce((sum, t) => sum + t.errors + t.refused, 0);
  check('no errors or refusals on the links', errors === 0, `${errors}`);

  const linked = callFromContainer('orders', 'payments');
  check('a linked call (orders -> payments) answers 200', linked.status === 200, JSON.stringify(linked));
  const unlinked = callFromContainer('payments', 'inventory');
  check(
    'a call along no link (payments -> inventory) is refused',
    unlinked.status === 403 && /not-linked/.test(unlinked.body),
    JSON.stringify(unlinked),
  );
  await sleep(1500);
  check(
    'the observer shows that refusal',
    refusals.some((r) => r.to === 'inventory' && r.from === 'payments' && r.reason === 'not-linked'),
    JSON.stringify(refusals.slice(0, 3)),
  );
  // Renewal: wait for orders to present another serial, then compare what the links carried meanwhile.
  const before = servedCertificate('shopper', 'orders');
  const snapshot = new Map([...totals].map(([id, t]) => [id, { ...t }]));
  const waitStarted = Date.now();
  let after = before;
  while (Date.now() - waitStarted < RENEWAL_WITHIN_MS && (after.serial === before.serial || after.error)) {
    await sleep(2000);
    after = servedCertificate('shopper', 'orders');
  }
  await sleep(3000); // and traffic keeps flowing on the new identities
  const during = world.links.map((l) => {
    const [now, then] = [totals.get(l.id), snapshot.get(l.id)];
    return {
      link: `${l.from}->${l.to}`,
      requests: now.requests - then.requests,
      bad: now.errors + now.refused - then.errors - then.refused,
    };
  });
  check(
    'orders renews its leaf in place: the serial it presents changes',
    !before.error && !after.error && after.serial !== before.serial,
    `${before.serial} (until ${before.validTo}) -> ${after.serial} (until ${after.validTo}), seen ${((Date.now() - waitStarted) / 1000).toFixed(1)} s into the wait`,
  );
  check(
    'traffic flows on every link across the renewal with no error or refusal',
    during.every((d) => d.requests > 0 && d.bad === 0),
    `${during.reduce((n, d) => n + d.requests, 0)} requests, ${during.reduce((n, d) => n + d.bad, 0)} failed: ${during.map((d) => `${d.link} ${d.requests}/${d.bad}`).join(', ')}`,
  );
  socket.close();

  const logs = compose(['logs', '--no-color'], { allowFail: true }).stdout;
  check('no private key in any container log', !/PRIVATE KEY/.test(logs));
  const renewedBy = world.services
    .filter((svc) => new RegExp(`renewed ${svc.id}: serial`).test(logs))
    .map((svc) => svc.id);
  check(
    'dw-pki renewed every service over mTLS (its log)',
    renewedBy.length === world.services.length,
    `${renewedBy.length}/${world.services.length}: ${renewedBy.join(', ')}`,
  );
}

function cleanup() {
  if (composeUp) {
    const down = compose(['down', '-v', '--remove-orphans', '-t', '5'], { allowFail: true, timeout: 180_000 });
    if (down.status !== 0) log(`down -v failed: ${down.stderr}`);
    const label = `label=com.docker.compose.project=${project}`;
    const left = [
      ['ps', '-a', '-q', '--filter', label],
      ['network', 'ls', '-q', '--filter', label],
      ['volume', 'ls', '-q', '--filter', label],
    ].map((args) => sh(DOCKER, args, { allowFail: true }).stdout.trim());
    check(
      'down -v leaves no container, network or volume of the project',
      left.every((l) => l === ''),
      left.join(' | '),
    );
  }
  for (const image of [appImage, baseImage]) sh(DOCKER, ['rmi', '-f', image], { allowFail: true });
  rmSync(work, { recursive: true, force: true });
}

async function stopDockerd() {
  if (!startedDockerd || startedDockerd.exitCode !== null) return;
  log('stopping the dockerd this test started');
  startedDockerd.kill('SIGTERM');
  for (let i = 0; i < 60 && startedDockerd.exitCode === null; i++) await sleep(500);
  if (startedDockerd.exitCode === null) startedDockerd.kill('SIGKILL');
}

const deadline = setTimeout(() => {
  console.error(`[compose] took longer than ${TOTAL_MS / 60_000} min: giving up`);
  try {
    cleanup();
  } finally {
    void stopDockerd().finally(() => {
      console.log(
        `compose: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`,
      );
      process.exit(1);
    });
  }
}, TOTAL_MS);
deadline.unref();

let crashed = false;
try {
  await run();
} catch (error) {
  crashed = true;
  console.error(`[compose] ${error.message}`);
  if (composeUp) console.error(compose(['ps'], { allowFail: true }).stdout);
  if (composeUp) console.error(compose(['logs', '--no-color', '--tail', '20'], { allowFail: true }).stdout);
} finally {
  cleanup();
  await stopDockerd();
}
const failed = results.filter((r) => !r.ok).length + (crashed ? 1 : 0);
console.log(`compose: ${results.length - results.filter((r) => !r.ok).length} passed, ${failed} failed`);
clearTimeout(deadline);
process.exit(failed === 0 ? 0 : 1);
