// The entry of one service process: `node services/dist/main.js` with DW_SPAWN_CONFIG in the environment.
// Exit codes: 0 after SIGTERM/SIGINT or when the parent's IPC channel goes away, 2 for a bad spawn config or
// unreadable identity files or a handler that does not compile, 1 for anything else fatal (e.g. the port is taken).
import { type ServiceReady, SPAWN_CONFIG_ENV } from '@dw/world';
import { parseSpawnConfig } from './config.js';
import { type IdentityPem, loadIdentity } from './identity.js';
import { createLog } from './log.js';
import { type Runtime, startRuntime } from './runtime.js';

const EXIT_BAD_CONFIG = 2;
const HARD_EXIT_MS = 3000;

async function main(): Promise<void> {
  const parsed = parseSpawnConfig(process.env[SPAWN_CONFIG_ENV]);
  if (!parsed.ok) {
    process.stderr.write(
      `[dw:service ${process.pid}] invalid spawn config in ${SPAWN_CONFIG_ENV}:\n${parsed.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    process.exit(EXIT_BAD_CONFIG);
  }
  const config = parsed.config;
  const log = createLog(config.serviceId);

  // Children exit when their parent dies: the IPC channel closing is how we notice.
  if (typeof process.send === 'function') {
    process.on('disconnect', () => {
      log.info('parent disconnected, exiting');
      process.exit(0);
    });
  }

  let identity: IdentityPem;
  try {
    // Read again while another copy sharing these files is in the middle of renewing them (key and cert apart).
    identity = await loadIdentity(config.identity);
  } catch (err) {
    log.error(`invalid spawn config: ${(err as Error).message}`);
    process.exit(EXIT_BAD_CONFIG);
  }
  log.info(
    `config: world ${config.worldId}, ${config.kind}, ${config.peers.length} peer(s) [${config.peers.map((p) => p.id).join(', ')}], ` +
      `${config.allowedCallers.length} allowed caller(s), hop budget ${config.hopBudget}, telemetry every ${config.telemetry.intervalMs} ms`,
  );

  let runtime: Runtime | undefined;
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`${signal}: shutting down`);
    setTimeout(() => process.exit(0), HARD_EXIT_MS).unref();
    (runtime?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    runtime = await startRuntime(config, identity, log);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_DW_BAD_CONFIG') {
      // its config cannot work (a handler that does not compile): said as it is, and starting again changes nothing
      log.error((err as Error).message);
      process.exit(EXIT_BAD_CONFIG);
    }
    log.error(`cannot start: ${code ?? ''} ${(err as Error).message}`.trim());
    process.exit(1);
  }
  if (shuttingDown) {
    await runtime.stop().finally(() => process.exit(0));
    return;
  }
  // Ready (it listens, when its kind serves): the controller that forked it counts it ready on this message.
  const ready: ServiceReady = { type: 'service:ready' };
  if (process.connected) process.send?.(ready, () => {}); // a parent that just went away: 'disconnect' ends us
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`[dw:service ${process.pid}] fatal: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

void main();
