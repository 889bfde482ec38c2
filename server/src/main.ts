// Starts the controller on 127.0.0.1:(PORT || 4400) (HOST overrides) and shuts it down cleanly on SIGINT or
// SIGTERM: every deployment stopped, every child ended. Data in ./data (DW_DATA overrides); the editor from
// ../../web/dist relative to this file (DW_WEB_DIR overrides). Worlds that were deployed when it last ran are
// deployed again once it listens, unless started with --no-resume or DW_RESUME=0.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const app = await buildApp({ dataDir, webDir, logger: { level: process.env.LOG_LEVEL || 'info' } });

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
console.log(`Distributed World is running at http://${shownHost}:${actualPort}`);

// Resume the worlds that were deployed when the controller last ran (opt out: --no-resume or DW_RESUME=0).
const resume = !process.argv.includes('--no-resume') && process.env.DW_RESUME !== '0';
if (resume) {
  const resumed = await app.deployer.resume();
  if (resumed.length > 0) console.log(`Resuming ${resumed.length} deployed world(s): ${resumed.join(', ')}`);
}
