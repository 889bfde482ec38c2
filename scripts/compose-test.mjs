// `npm run test:compose`: the exported world on a real Docker engine, with no image registry: first as a compose
// project, then as a swarm stack.
// 1. docker.io and docker-compose are installed (apt-get, as root) when missing; dockerd is started when it is
//    not running (and stopped again at the end).
// 2. A base image is made with `docker import` from a root filesystem holding this machine's node and the
//    libraries ldd lists; the app image is built from the repository's Dockerfile on top of it.
// 3. A five-service world with fan-out (world/fixtures/compose.world.json) is exported with the CLI, checked
//    with `docker-compose config -q`, and brought up with `docker-compose -p <project> up -d`.
// 4. Through the observer's port on 127.0.0.1: every service turns ready and every link carries requests.
//    Inside the containers: a linked call over mTLS answers 200, a call along no link is refused (403).
//    Renewal: the world's leaves live one minute, so each service renews its own leaf from dw-pki about every
//    40 s; the serial orders presents (seen by a TLS handshake from shopper's container) changes, while the
//    observer's frames show traffic on every link and no error or refusal during the renewal.
// 5. `down -v`; nothing labelled with the project is left (containers, networks, volumes).
// 6. swarm: the engine becomes a single-node swarm manager (`docker swarm init`, only when it is not one; left
//    again at the end), the same world with two replicas of payments is exported with `--engine swarm` and
//    deployed with `docker stack deploy --resolve-image never` on an overlay network; the checks of 4 again,
//    plus: payments runs 2/2 swarm replicas, its name resolves to both, and each answers a linked call over mTLS.
//    `docker stack rm`, then the stack's volumes removed: no service, container, network or volume of it left.
// Images removed at the end. Bounded in time; cleans up on failure too. The host talks only to 127.0.0.1;
// containers among themselves on the networks the test made. Ends with `compose: N passed, N failed` and
// `swarm: N passed, N failed`.
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

// the engine's own client when there is one (chosen again once docker.io is installed)
let DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const TOTAL_MS = 25 * 60_000;
const HEALTHY_WITHIN_MS = 180_000;
const TRAFFIC_FOR_MS = 6000;
/** Frames (200 ms each) in a row with traffic and no failure before a world counts as settled. */
const SETTLED_FRAMES = 10;
/** The world's leaf lifetime in this test: renewal at 2/3 of it, i.e. about every 40 s. */
const LEAF_LIFETIME_MINUTES = 1;
const RENEWAL_WITHIN_MS = 75_000;
/** A command in a container (docker-compose is a Python program: slow to start on a busy machine). */
const EXEC_TIMEOUT_MS = 120_000;

const tag = randomBytes(4).toString('hex');
const project = `dwtest${tag}`;
const stack = `dwswarm${tag}`;
const baseImage = `dw-test-base:${tag}`;
const appImage = `dw-test-app:${tag}`;
const work = mkdtempSync(join(tmpdir(), 'dw-compose-'));
const composeFile = join(work, 'compose.yaml');
const stackFile = join(work, 'stack.yaml');
/** Each engine's checks, and whether its run crashed. */
const groups = { compose: { results: [], crashed: false }, swarm: { results: [], crashed: false } };
let group = 'compose';
let startedDockerd = null;
let composeUp = false;
let stackUp = false;
let createdSwarm = false;
let hadGwBridge = true;

function log(message) {
  console.log(`[${group}] ${message}`);
}

function check(name, ok, detail = '') {
  groups[group].results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${group}: ${name}${detail ? `: ${detail}` : ''}`);
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
  // the engine (dockerd) and its own client: a docker client alone (e.g. /usr/local/bin/docker) runs nothing
  const engine = spawnSync('dockerd', ['--version'], { encoding: 'utf8' }).error === undefined;
  if (!engine || (!existsSync('/usr/bin/docker') && !have('docker'))) missing.push('docker.io');
  if (!have('docker-compose')) missing.push('docker-compose');
  if (missing.length === 0) return;
  if (!isRoot)
    throw new Error(`${missing.join(' and ')} missing: install them (apt-get install -y ${missing.join(' ')})`);
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env, timeout: 300_000 });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env, timeout: 600_000 });
  if (existsSync('/usr/bin/docker')) DOCKER = '/usr/bin/docker';
}

async function ensureDockerd() {
  if (sh(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { allowFail: true }).status === 0) return;
  if (!isRoot) throw new Error('the Docker engine is not running and this is not root: start dockerd');
  const logFile = join(work, 'dockerd.log');
  log(`starting dockerd (log: ${logFile})`);
  const out = openSync(logFile, 'a');
  startedDockerd = spawn('dockerd', [], { stdio: ['ignore', out, out] });
  let spawnError;
  startedDockerd.once('error', (error) => {
    spawnError = error; // no such program: said below, not thrown from an event
  });
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(500)) {
    if (sh(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { allowFail: true }).status === 0) return;
    if (startedDockerd.exitCode !== null || spawnError) break;
  }
  if (spawnError) throw new Error(`dockerd could not be started: ${spawnError.message}`);
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

/** A POST from inside `from`'s container to `to` (or one address of it), with `from`'s own identity. */
const CALL_SCRIPT = [
  "const https=require('https'),fs=require('fs');const to=process.argv[1],host=process.argv[2]||to;",
  "const r=https.request({host,port:8443,method:'POST',path:'/',servername:to,",
  "cert:fs.readFileSync('/identity/tls.crt'),key:fs.readFileSync('/identity/tls.key'),ca:fs.readFileSync('/identity/ca.crt'),",
  "headers:{'x-dw-hops':'3'},timeout:10000},(res)=>{let b='';res.on('data',(d)=>b+=d);",
  "res.on('end',()=>console.log(JSON.stringify({status:res.statusCode,body:b})))});",
  "r.on('error',(e)=>console.log(JSON.stringify({error:e.code||e.message})));r.end();",
].join('');

/** The certificate `to` presents to a TLS handshake from `from`'s container (with `from`'s identity). */
const SERVED_SCRIPT = [
  "const tls=require('tls'),fs=require('fs');const to=process.argv[1];",
  "const s=tls.connect({host:to,port:8443,servername:to,cert:fs.readFileSync('/identity/tls.crt'),",
  "key:fs.readFileSync('/identity/tls.key'),ca:fs.readFileSync('/identity/ca.crt')},()=>{",
  'const c=s.getPeerCertificate();console.log(JSON.stringify({serial:c.serialNumber,validTo:c.valid_to}));s.end()});',
  "s.on('error',(e)=>console.log(JSON.stringify({error:e.code||e.message})));",
].join('');

/** Every address a name resolves to, from inside a container (swarm's dnsrr answers with each task's). */
const LOOKUP_SCRIPT =
  "require('dns').lookup(process.argv[1],{all:true},(e,a)=>console.log(JSON.stringify(e?{error:e.code}:a.map((x)=>x.address).sort())))";

const lastJson = (out) => JSON.parse(out.trim().split('\n').pop());

/**
 * What the checks need from an engine: run node in a service's container, its mounts, the logs, the name
 * of a volume as the engine made it.
 */
const composeEngine = {
  node: (service, args) =>
    lastJson(compose(['exec', '-T', service, 'node', ...args], { timeout: EXEC_TIMEOUT_MS }).stdout),
  mounts(service) {
    const id = compose(['ps', '-q', service]).stdout.trim();
    return JSON.parse(sh(DOCKER, ['inspect', '--format', '{{json .Mounts}}', id]).stdout);
  },
  logs: (tail) =>
    compose(['logs', '--no-color', ...(tail ? ['--tail', String(tail)] : [])], { allowFail: true }).stdout,
  volume: (name) => `${project}_${name}`,
};

/** The running containers of a swarm service of the stack. */
function tasksOf(service) {
  return sh(DOCKER, [
    'ps',
    '-q',
    '--filter',
    `label=com.docker.swarm.service.name=${stack}_${service}`,
    '--filter',
    'status=running',
  ])
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
}

const swarmEngine = {
  node(service, args) {
    const [id] = tasksOf(service);
    if (!id) throw new Error(`no running task of ${stack}_${service}`);
    return lastJson(sh(DOCKER, ['exec', '-i', id, 'node', ...args], { timeout: EXEC_TIMEOUT_MS }).stdout);
  },
  mounts(service) {
    const [id] = tasksOf(service);
    return JSON.parse(sh(DOCKER, ['inspect', '--format', '{{json .Mounts}}', id]).stdout);
  },
  logs(tail) {
    const names = sh(DOCKER, ['stack', 'services', '--format', '{{.Name}}', stack]).stdout.trim().split('\n');
    return names
      .map((name) => {
        const last = tail ? ['--tail', String(tail)] : [];
        const out = sh(DOCKER, ['service', 'logs', '--raw', '--no-trunc', ...last, name], { allowFail: true });
        return tail ? `--- ${name}\n${out.stdout}${out.stderr}` : `${out.stdout}${out.stderr}`;
      })
      .join('\n');
  },
  volume: (name) => `${stack}_${name}`,
};

/** Waits for the observer to see every service ready; the checks every engine passes (compose's, then swarm's). */
async function checkWorld(engine, world, yaml, observerPort, started, upSeconds) {
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
    `${ready}/${world.services.length} after ${((Date.now() - started) / 1000).toFixed(1)} s (the deploy command returned after ${upSeconds.toFixed(1)} s)`,
  );

  const wrong = [];
  for (const service of world.services) {
    const mounts = engine.mounts(service.id).map((m) => `${m.Name}:${m.Destination}:${m.RW ? 'rw' : 'ro'}`);
    const expected = [`${engine.volume(`identity-${service.id}`)}:/identity:rw`];
    if (JSON.stringify(mounts) !== JSON.stringify(expected)) wrong.push(`${service.id}: ${mounts.join(', ')}`);
  }
  const pkiMounts = engine.mounts('dw-pki').map((m) => m.Name);
  if (!pkiMounts.includes(engine.volume('dw-ca'))) wrong.push(`dw-pki lacks the CA volume: ${pkiMounts.join(', ')}`);
  const observerMounts = engine.mounts('dw-observer');
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
  try {
    const totals = new Map(world.links.map((l) => [l.id, { requests: 0, errors: 0, refused: 0 }]));
    const refusals = [];
    let frames = 0;
    // A service is ready once one copy reports it; until every copy listens and every name resolves, the first
    // calls may fail. So the world first settles: SETTLED_FRAMES frames in a row with requests and without an error
    // or refusal (bounded by HEALTHY_WITHIN_MS; what failed meanwhile is reported). Only then is it measured, and
    // from then on nothing may fail.
    let settledAt;
    let quietFrames = 0;
    let settlingErrors = 0;
    socket.on('traffic:frame', (frame) => {
      if (settledAt === undefined) {
        const failed = frame.links.reduce((sum, l) => sum + l.errors + l.refused, 0);
        const sent = frame.links.reduce((sum, l) => sum + l.requests, 0);
        settlingErrors += failed;
        quietFrames = failed === 0 && sent > 0 ? quietFrames + 1 : 0;
        if (quietFrames >= SETTLED_FRAMES) settledAt = Date.now();
        return;
      }
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
    const watching = Date.now();
    while (settledAt === undefined && Date.now() - watching < HEALTHY_WITHIN_MS) await sleep(200);
    const settling = `settled after ${((settledAt ?? Date.now()) - watching) / 1000} s of watching, ${settlingErrors} failed meanwhile`;
    check('the world settles: calls stop failing once every copy is up', settledAt !== undefined, settling);
    await sleep(TRAFFIC_FOR_MS);

    const perLink = world.links.map((l) => `${l.from}->${l.to} ${totals.get(l.id).requests}`).join(', ');
    const flowing = check(
      'requests flow on every link over mTLS (observer frames)',
      world.links.every((l) => totals.get(l.id).requests > 0),
      `${frames} frames in ${TRAFFIC_FOR_MS / 1000} s: ${perLink}`,
    );
    // what the services said, so a silent link can be told apart from a dead caller
    if (!flowing) log(`the services' last log lines:\n${engine.logs(12)}`);
    const errors = [...totals.values()].reduce((sum, t) => sum + t.errors + t.refused, 0);
    check('no errors or refusals on the links once settled', errors === 0, `${errors} (${settling})`);

    const linked = engine.node('orders', ['-e', CALL_SCRIPT, 'payments']);
    check('a linked call (orders -> payments) answers 200', linked.status === 200, JSON.stringify(linked));
    const unlinked = engine.node('payments', ['-e', CALL_SCRIPT, 'inventory']);
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
    const served = () => engine.node('shopper', ['-e', SERVED_SCRIPT, 'orders']);
    const before = served();
    const snapshot = new Map([...totals].map(([id, t]) => [id, { ...t }]));
    const waitStarted = Date.now();
    let after = before;
    while (Date.now() - waitStarted < RENEWAL_WITHIN_MS && (after.serial === before.serial || after.error)) {
      await sleep(2000);
      after = served();
    }
    await sleep(3000); // and traffic keeps flowing on the new identities
    const during = world.links.map((l) => {
      const [now, then] = [totals.get(l.id), snapshot.get(l.id)];
      return {
        link: `${l.from}->${l.to}`,
        requests: now.requests - then.requests,
        bad: now.errors + now.refused - then.errors - then.refused,
        refused: now.refused - then.refused,
      };
    });
    check(
      'orders renews its leaf in place: the serial it presents changes',
      !before.error && !after.error && after.serial !== before.serial,
      `${before.serial} (until ${before.validTo}) -> ${after.serial} (until ${after.validTo}), seen ${((Date.now() - waitStarted) / 1000).toFixed(1)} s into the wait`,
    );
    const renewedCleanly = check(
      'traffic flows on every link across the renewal with no error or refusal',
      during.every((d) => d.requests > 0 && d.bad === 0),
      `${during.reduce((n, d) => n + d.requests, 0)} requests, ${during.reduce((n, d) => n + d.bad, 0)} failed (${during.reduce((n, d) => n + d.refused, 0)} of them refused): ${during.map((d) => `${d.link} ${d.requests}/${d.bad}`).join(', ')}`,
    );
    if (!renewedCleanly) {
      log(`refusals seen: ${JSON.stringify(refusals.slice(-5))}`);
      log(`the services' last log lines:\n${engine.logs(12)}`);
    }
  } finally {
    socket.close();
  }

  const logs = engine.logs();
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

/** The test world, with one-minute leaves; `replicas` sets copies of services by id. */
function testWorld(replicas = {}) {
  const world = JSON.parse(readFileSync(join(root, 'world/fixtures/compose.world.json'), 'utf8'));
  world.settings = { ...world.settings, leafLifetimeMinutes: LEAF_LIFETIME_MINUTES };
  world.services = world.services.map((s) => (replicas[s.id] ? { ...s, replicas: replicas[s.id] } : s));
  return world;
}

/** The CLI's export of `world` for an engine, with the test's image and observer port. */
function exportWorld(world, name, args) {
  const worldFile = join(work, `${name}.world.json`);
  writeFileSync(worldFile, JSON.stringify(world));
  return sh(process.execPath, [join(root, 'server/dist/cli.js'), 'export', worldFile, '--image', appImage, ...args])
    .stdout;
}

async function prepare() {
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
    'server/dist/enroll.js',
    'server/dist/cli.js',
    'web/dist/index.html',
  ]) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const started = Date.now();
  buildBaseImage();
  const observerPort = await freePort();
  const world = testWorld();
  const yaml = exportWorld(world, 'compose', [
    '--observer-port',
    String(observerPort),
    '--base-image',
    baseImage,
    '--context',
    root,
  ]);
  writeFileSync(composeFile, yaml);
  check('exported file has no private key', !/PRIVATE KEY/.test(yaml));
  check('docker-compose config -q accepts it', compose(['config', '-q'], { allowFail: true }).status === 0);
  // The app image, by the compose file's build section; the swarm stack (which has none) runs it too.
  compose(['build', '-q'], { timeout: 600_000 });
  const size = Number(sh(DOCKER, ['image', 'inspect', '--format', '{{.Size}}', appImage]).stdout.trim());
  log(
    `app image ${appImage}: ${(size / 1e6).toFixed(1)} MB, base + build in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { world, yaml, observerPort };
}

async function runCompose({ world, yaml, observerPort }) {
  const started = Date.now();
  composeUp = true;
  compose(['up', '-d', '--no-build'], { timeout: 400_000 });
  await checkWorld(composeEngine, world, yaml, observerPort, started, (Date.now() - started) / 1000);
}

function composeDown() {
  if (!composeUp) return;
  composeUp = false;
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

/** The engine as a swarm manager: as it is when it already is one, made one (and left again later) when not. */
function ensureSwarmManager() {
  const state = sh(DOCKER, ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}']).stdout.trim();
  if (state === 'active true') return;
  if (state !== 'inactive false') {
    throw new Error(`the engine is in a swarm but not a manager of it ("${state}"): run this where a manager is`);
  }
  hadGwBridge = sh(DOCKER, ['network', 'inspect', 'docker_gwbridge'], { allowFail: true }).status === 0;
  // Advertised on loopback: a single-node swarm that nothing outside this machine can join.
  sh(DOCKER, ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
  createdSwarm = true;
  log('made the engine a single-node swarm manager (docker swarm init on 127.0.0.1)');
}

async function runSwarm() {
  ensureSwarmManager();
  const observerPort = await freePort();
  const world = testWorld({ payments: 2 });
  const yaml = exportWorld(world, 'swarm', ['--engine', 'swarm', '--observer-port', String(observerPort)]);
  writeFileSync(stackFile, yaml);
  check('exported stack file has no private key', !/PRIVATE KEY/.test(yaml));

  const started = Date.now();
  stackUp = true;
  sh(DOCKER, ['stack', 'deploy', '-c', stackFile, '--resolve-image', 'never', stack], { timeout: 120_000 });
  const upSeconds = (Date.now() - started) / 1000;
  const driver = sh(DOCKER, ['network', 'inspect', '--format', '{{.Driver}} {{.Scope}}', `${stack}_world`], {
    allowFail: true,
  }).stdout.trim();
  check('the stack runs on its own overlay network', driver === 'overlay swarm', `${stack}_world: ${driver}`);
  await checkWorld(swarmEngine, world, yaml, observerPort, started, upSeconds);

  // Replicas are swarm replicas: two tasks of payments, both behind its name, each serving the one identity.
  const replicas = sh(DOCKER, [
    'service',
    'ls',
    '--filter',
    `name=${stack}_payments`,
    '--format',
    '{{.Replicas}}',
  ]).stdout.trim();
  const tasks = tasksOf('payments');
  check(
    'payments runs as 2 swarm replicas',
    replicas === '2/2' && tasks.length === 2,
    `${replicas}, ${tasks.length} running`,
  );
  const addresses = swarmEngine.node('orders', ['-e', LOOKUP_SCRIPT, 'payments']);
  check(
    'its name resolves to every replica (dnsrr)',
    Array.isArray(addresses) && addresses.length === 2,
    JSON.stringify(addresses),
  );
  const answers = (Array.isArray(addresses) ? addresses : []).map((address) =>
    swarmEngine.node('orders', ['-e', CALL_SCRIPT, 'payments', address]),
  );
  check(
    'each replica answers a linked call over mTLS with the one identity',
    answers.length === 2 && answers.every((a) => a.status === 200),
    JSON.stringify(answers.map((a) => a.status ?? a.error)),
  );
}

async function swarmDown() {
  if (!stackUp) return;
  stackUp = false;
  const label = `label=com.docker.stack.namespace=${stack}`;
  const rm = sh(DOCKER, ['stack', 'rm', stack], { allowFail: true, timeout: 120_000 });
  if (rm.status !== 0) log(`stack rm failed: ${rm.stderr}`);
  // stack rm returns at once and leaves volumes: wait for the containers and the network to go, then remove them.
  for (const until = Date.now() + 90_000; Date.now() < until; await sleep(1000)) {
    const containers = sh(DOCKER, ['ps', '-a', '-q', '--filter', label], { allowFail: true }).stdout.trim();
    const networks = sh(DOCKER, ['network', 'ls', '-q', '--filter', label], { allowFail: true }).stdout.trim();
    if (containers === '' && networks === '') break;
  }
  const volumes = sh(DOCKER, ['volume', 'ls', '-q', '--filter', label], { allowFail: true }).stdout.trim();
  if (volumes) sh(DOCKER, ['volume', 'rm', ...volumes.split('\n')], { allowFail: true });
  const left = [
    ['service', 'ls', '-q', '--filter', label],
    ['ps', '-a', '-q', '--filter', label],
    ['network', 'ls', '-q', '--filter', label],
    ['volume', 'ls', '-q', '--filter', label],
  ].map((args) => sh(DOCKER, args, { allowFail: true }).stdout.trim());
  check(
    'stack rm (and its volumes removed) leaves no service, container, network or volume of the stack',
    left.every((l) => l === ''),
    left.join(' | '),
  );
}

function leaveSwarm() {
  if (!createdSwarm) return;
  createdSwarm = false;
  sh(DOCKER, ['swarm', 'leave', '--force'], { allowFail: true, timeout: 60_000 });
  if (!hadGwBridge) sh(DOCKER, ['network', 'rm', 'docker_gwbridge'], { allowFail: true });
  log('left the swarm this test made');
}

function removeImages() {
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

function summary() {
  for (const [name, { results, crashed }] of Object.entries(groups)) {
    const failed = results.filter((r) => !r.ok).length + (crashed ? 1 : 0);
    console.log(`${name}: ${results.length - results.filter((r) => !r.ok).length} passed, ${failed} failed`);
  }
}

const failedAny = () => Object.values(groups).some((g) => g.crashed || g.results.some((r) => !r.ok));

async function teardown() {
  group = 'compose';
  composeDown();
  group = 'swarm';
  await swarmDown();
  leaveSwarm();
  removeImages();
  await stopDockerd();
}

const deadline = setTimeout(() => {
  console.error(`[${group}] took longer than ${TOTAL_MS / 60_000} min: giving up`);
  groups[group].crashed = true;
  void teardown().finally(() => {
    summary();
    process.exit(1);
  });
}, TOTAL_MS);
deadline.unref();

/** Runs one engine's part; a crash counts as one failure of that engine and the next part still runs. */
async function part(name, body, onCrash) {
  group = name;
  try {
    await body();
  } catch (error) {
    groups[name].crashed = true;
    console.error(`[${name}] ${error.message}`);
    onCrash();
  }
}

try {
  let prepared = false;
  await part(
    'compose',
    async () => {
      const exported = await prepare();
      prepared = true;
      await runCompose(exported);
    },
    () => {
      if (composeUp) console.error(compose(['ps'], { allowFail: true }).stdout);
      if (composeUp) console.error(compose(['logs', '--no-color', '--tail', '20'], { allowFail: true }).stdout);
    },
  );
  group = 'compose';
  composeDown();
  if (prepared) {
    await part('swarm', runSwarm, () => {
      if (stackUp) console.error(sh(DOCKER, ['stack', 'ps', '--no-trunc', stack], { allowFail: true }).stdout);
    });
  } else {
    groups.swarm.crashed = true;
    console.error('[swarm] not run: the preparation failed');
  }
} finally {
  await teardown();
}
summary();
clearTimeout(deadline);
process.exit(failedAny() ? 1 : 0);
