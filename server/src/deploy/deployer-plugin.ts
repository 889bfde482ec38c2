// Decorates the instance with `deployer`. Children die with the controller: each has an IPC channel to it
// (the runtime exits when it closes), closing the app stops every deployment, and a last-resort 'exit'
// handler SIGKILLs whatever is left (main.ts routes signals and uncaught exceptions through it).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAME_INTERVAL_MS } from '@dw/world';
import type { FastifyBaseLogger } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { sharedPlugin } from '../http/shared-plugin.js';
import { DeployedRecord } from './deployed-record.js';
import { Deployer } from './deployer.js';
import { Guardian } from './guardian.js';
import { defaultProcessBudget, MAX_PROCESSES_ENV } from './process-budget.js';

declare module 'fastify' {
  interface FastifyInstance {
    deployer: Deployer;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Deployment dirs of a controller that died without cleaning up (SIGKILL, power loss) still hold private
 * keys: remove them. Each dir carries the pid of the controller that made it; a live one is left alone.
 */
async function removeOrphanedIdentities(dir: string, log: FastifyBaseLogger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // no deployment ever ran here
  }
  for (const name of names) {
    const pid = Number(/-r\d+-(\d+)-\d+$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || (pid !== process.pid && pidAlive(pid))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    log.info(`removed the identities of a deployment that outlived its controller: ${name}`);
  }
}

export interface DeployerPluginOptions {
  /** services/dist/main.js; resolved from @dw/services/main when not given. */
  runtimePath?: string;
  /** The controller's base URL as services reach it (default: the address it listens on). */
  controllerUrl?: string;
  frameIntervalMs?: number;
  /** How many processes every world together may run (default: defaultProcessBudget(), from the memory). */
  maxProcesses?: number;
  /** The niceness of a large world's services (deploy/service-priority.ts); default 10, 0 never lowers it. */
  serviceNiceness?: number;
  /** It may deploy worlds that run the person's own code (handlers, commands); default true. */
  ownCode?: boolean;
}

export const deployerPlugin = sharedPlugin<DeployerPluginOptions>('deployer', async (app, options) => {
  const telemetryUrl = () => {
    if (options.controllerUrl) return new URL('/api/telemetry', options.controllerUrl).href;
    const address = app.server.address();
    if (address === null || typeof address === 'string') {
      throw new HttpProblem(
        503,
        'not-listening',
        'the controller is not listening on a TCP port, so services could not report to it',
      );
    }
    const host = ['0.0.0.0', '::', '::ffff:0.0.0.0'].includes(address.address) ? '127.0.0.1' : address.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/api/telemetry`;
  };
  const guardian = new Guardian();
  const maxProcesses = options.maxProcesses ?? defaultProcessBudget();
  if (!Number.isInteger(maxProcesses) || maxProcesses < 1) {
    throw new Error(`maxProcesses must be a whole number of processes, 1 or more, not ${maxProcesses}`);
  }
  app.log.info(
    `process budget: ${maxProcesses} processes for every world together` +
      (options.maxProcesses === undefined ? ` (from the machine's memory; ${MAX_PROCESSES_ENV} changes it)` : ''),
  );
  const deployer = new Deployer({
    store: app.worldStore,
    log: app.log,
    runtimePath: options.runtimePath,
    telemetryUrl,
    frameIntervalMs: options.frameIntervalMs ?? FRAME_INTERVAL_MS,
    record: new DeployedRecord(app.worldStore.dataDir),
    guardian,
    maxProcesses,
    serviceNiceness: options.serviceNiceness,
    ownCode: options.ownCode ?? true,
  });
  app.decorate('deployer', deployer);
  await removeOrphanedIdentities(app.worldStore.deploymentsDir, app.log);

  const killAll = () => deployer.killAllSync();
  process.on('exit', killAll);
  app.addHook('onClose', async () => {
    await deployer.stopAll();
    guardian.close();
    process.off('exit', killAll);
  });
});
