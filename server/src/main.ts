// Starts the controller on 127.0.0.1:(PORT || 4400) and shuts it down cleanly on SIGINT or SIGTERM: every
// deployment stopped, every child ended. Data in ./data (DW_DATA overrides); the editor from ../../web/dist
// relative to this file (DW_WEB_DIR overrides). Worlds that were deployed when it last ran are deployed again
// once it listens, unless started with --no-resume or DW_RESUME=0. HOST may name another address only with DW_ALLOW_REMOTE=1, and
// then everything but the editor's files needs the controller token (DW_TOKEN, or one generated and printed
// here); DW_HOSTS then limits the Host names it answers to (DW_TELEMETRY_HOSTS: more, for telemetry only).
// DW_MAX_PROCESSES caps the processes every world together may run (default: from the machine's memory).
// DW_SERVICE_NICE: the niceness of a world's services when it runs more than 8 processes a core (default 10; 0: never).
// Runs (runs/run-store.ts): DW_RUNS=0 records none; DW_RUN_MAX_MB (one run), DW_RUNS_MAX_MB (all together),
// DW_RUNS_MAX (how many), DW_RUN_IMPORT_MAX_MB (largest file an import takes).
// In remote mode, worlds that run code of their own (handlers, process commands) are refused unless DW_ALLOW_CODE=1.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OBSERVE_ENV, ObserveConfig } from '@dw/world';
import Value from 'typebox/value';
import { buildApp } from './app.js';
import { parseProcessBudget } from './deploy/process-budget.js';
import { parseServiceNiceness, SERVICE_NICE_ENV } from './deploy/service-priority.js';
import { type AccessOptions, LOOPBACK_NAMES } from './http/access-guard.js';
import { runSettingsFromEnv } from './runs/run-settings.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT === undefined || process.env.PORT === '' ? 4400 : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0-65535), not ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const loopback = [...LOOPBACK_NAMES, '::1'].includes(host.toLowerCase());
if (!loopback && process.env.DW_ALLOW_REMOTE !== '1') {
  console.error(
    `HOST=${host} would let other machines reach a controller that starts processes. ` +
      'Set DW_ALLOW_REMOTE=1 as well to do it on purpose: every API call and socket will then need a token.',
  );
  process.exit(2);
}
if (process.env.DW_TOKEN && process.env.DW_TOKEN.length < 16) {
  console.error('DW_TOKEN must be at least 16 characters');
  process.exit(2);
}
const token = loopback ? undefined : process.env.DW_TOKEN || randomBytes(24).toString('base64url');
const dataDir = resolve(process.env.DW_DATA || 'data');
const webDir = process.env.DW_WEB_DIR
  ? resolve(process.env.DW_WEB_DIR)
  : fileURLToPath(new URL('../../web/dist', import.meta.url));

let maxProcesses: number | undefined;
let serviceNiceness: number | undefined;
try {
  maxProcesses = parseProcessBudget(process.env.DW_MAX_PROCESSES);
  serviceNiceness = parseServiceNiceness(process.env[SERVICE_NICE_ENV]);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

let runs: ReturnType<typeof runSettingsFromEnv>;
try {
  runs = runSettingsFromEnv(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

let observe: ObserveConfig | undefined;
if (process.env[OBSERVE_ENV]) {
  let value: unknown;
  try {
    value = JSON.parse(process.env[OBSERVE_ENV]);
  } catch (error) {
    console.error(`${OBSERVE_ENV} is not JSON: ${(error as Error).message}`);
    process.exit(2);
  }
  if (!Value.Check(ObserveConfig, value)) {
    const problems = [...Value.Errors(ObserveConfig, value)].map((e) => `  ${e.instancePath || '/'}: ${e.message}`);
    console.error(`invalid ${OBSERVE_ENV}:\n${problems.join('\n')}`);
    process.exit(2);
  }
  observe = value;
}

/** A comma-separated list of Host names (DNS names, IPv4, or [IPv6]), lower-cased; exits 2 on a bad one. */
function hostNames(variable: string): string[] | undefined {
  const value = process.env[variable];
  if (value === undefined || value.trim() === '') return undefined;
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  const bad = names.find((name) => !/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/.test(name));
  if (bad !== undefined) {
    console.error(
      `${variable} must be Host names separated by commas (dw.lan, 10.0.0.5, [::1]), not ${JSON.stringify(bad)} in ${JSON.stringify(value)}`,
    );
    process.exit(2);
  }
  return names;
}

// Remote mode: any Host with the token, unless DW_HOSTS names the ones to answer to (at any port). The compose
// observer's file sets both (its loopback names, and its service name for telemetry); an observer started from
// an older file gets the same rule, so that a DNS-rebound page cannot reach it either.
const access: AccessOptions = { token };
if (token !== undefined) {
  const hosts = hostNames('DW_HOSTS') ?? (observe ? LOOPBACK_NAMES : undefined);
  if (hosts) {
    // its own services report to the address it listens on (127.0.0.1 when that is every address)
    const own = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    access.hosts = hosts;
    access.telemetryHosts = [
      ...(hostNames('DW_TELEMETRY_HOSTS') ?? (observe ? ['dw-observer'] : [])),
      own.toLowerCase(),
    ];
  }
}

const app = await buildApp({
  dataDir,
  webDir,
  observe,
  logger: { level: process.env.LOG_LEVEL || 'info' },
  access,
  maxProcesses,
  serviceNiceness,
  runs,
  // a world's own code (handlers, commands) runs as this user: in remote mode only when asked for on purpose
  allowOwnCode: token === undefined || process.env.DW_ALLOW_CODE === '1',
});

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) {
    app.deployer.killAllSync();
    process.exit(1);
  }
  shuttingDown = true;
  app.log.info(`${signal}: stopping every deployment`);
  const timer = setTimeout(() => {
    app.log.error('shutdown took too long: killing what is left');
    app.deployer.killAllSync();
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  try {
    await app.close();
    clearTimeout(timer);
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    app.deployer.killAllSync();
    process.exit(1);
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
process.on('uncaughtException', (error) => {
  app.log.fatal({ err: error }, 'uncaught exception: ending every child and exiting');
  app.deployer.killAllSync();
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  app.log.fatal({ err: reason }, 'unhandled rejection: ending every child and exiting');
  app.deployer.killAllSync();
  process.exit(1);
});

try {
  await app.listen({ host, port });
} catch (error) {
  console.error(`could not listen on ${host}:${port}: ${(error as Error).message}`);
  app.deployer.killAllSync();
  process.exit(1);
}
const address = app.server.address();
const actualPort = address !== null && typeof address === 'object' ? address.port : port;
const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const shown = `http://${shownHost}:${actualPort}`;
if (observe) {
  // In a container the published address differs from the one listened on: DW_PUBLIC_URL names it.
  const base = (process.env.DW_PUBLIC_URL || shown).replace(/\/+$/, '');
  console.log(
    `Distributed World is observing world "${observe.worldId}" at ${base}/?world=${observe.worldId}${token === undefined ? '' : `#token=${token}`}`,
  );
} else if (token === undefined) console.log(`Distributed World is running at ${shown}`);
else {
  // The token travels in the fragment, which browsers never send: the editor reads it and sends it as a header.
  console.log(`Distributed World is running at ${shown}/#token=${token}`);
  console.log('Remote mode: everything but the editor itself needs that token (authorization: Bearer <token>).');
  console.log(
    process.env.DW_ALLOW_CODE === '1'
      ? 'DW_ALLOW_CODE=1: worlds may run code of their own (handlers, commands) as this user, for anyone with the token.'
      : 'Worlds that run code of their own (handlers, process commands) are refused: DW_ALLOW_CODE=1 allows them.',
  );
}

// Resume the worlds that were deployed when the controller last ran (opt out: --no-resume or DW_RESUME=0).
const resume = !process.argv.includes('--no-resume') && process.env.DW_RESUME !== '0';
if (resume) {
  const resumed = await app.deployer.resume();
  if (resumed.length > 0) console.log(`Resuming ${resumed.length} deployed world(s): ${resumed.join(', ')}`);
}
