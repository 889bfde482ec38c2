// Starts the controller on 127.0.0.1:(PORT || 4400) (HOST overrides) and shuts it down cleanly on SIGINT or
// SIGTERM: every deployment stopped, every child ended. Data in ./data (DW_DATA overrides); the editor from
// ../../web/dist relative to this file (DW_WEB_DIR overrides).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OBSERVE_ENV, ObserveConfig } from '@dw/world';
import Value from 'typebox/value';
import { buildApp } from './app.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT === undefined || process.env.PORT === '' ? 4400 : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0-65535), not ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const dataDir = resolve(process.env.DW_DATA || 'data');
const webDir = process.env.DW_WEB_DIR
  ? resolve(process.env.DW_WEB_DIR)
  : fileURLToPath(new URL('../../web/dist', import.meta.url));

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

const app = await buildApp({ dataDir, webDir, observe, logger: { level: process.env.LOG_LEVEL || 'info' } });

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
console.log(
  observe
    ? `Distributed World is observing world "${observe.worldId}" at http://${shownHost}:${actualPort}/?world=${observe.worldId}`
    : `Distributed World is running at http://${shownHost}:${actualPort}`,
);
