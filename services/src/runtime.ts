// Wires one service process together: stats, outbound caller, mTLS server, client load, telemetry.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpawnConfig } from '@dw/world';
import { clientBehaviour, serviceBehaviour } from './behaviour.js';
import { Caller } from './caller.js';
import { ClientLoad } from './client-load.js';
import { FaultTable } from './faults.js';
import type { IdentityPem } from './identity.js';
import type { Log } from './log.js';
import { createServiceServer } from './server.js';
import { Stats } from './stats.js';
import { TelemetryReporter } from './telemetry.js';

export interface Runtime {
  /** The port the server listens on. */
  port: number;
  /** Stops traffic, closes the server, flushes one last batch; resolves within about 1.5 s. */
  stop(): Promise<void>;
}

const DRAIN_MS = 500;
const FLUSH_MS = 700;

export async function startRuntime(config: SpawnConfig, identity: IdentityPem, log: Log): Promise<Runtime> {
  const stats = new Stats(config.serviceId, config.peers);
  const faults = new FaultTable(config.faults);
  const caller = new Caller(config.worldId, config.peers, identity, stats, { policy: config.behaviour.calls, faults });
  const behaviour = config.kind === 'service' ? serviceBehaviour(config, caller) : clientBehaviour(config.serviceId);
  const server = createServiceServer({
    config,
    identity,
    stats,
    behaviour,
    faults,
    setRate: config.kind === 'client' ? (rps) => load?.setRate(rps) : undefined,
  });
  const telemetry = new TelemetryReporter(
    config.telemetry,
    { worldId: config.worldId, serviceId: config.serviceId, rev: config.rev },
    stats,
    log,
  );
  const load =
    config.kind === 'client'
      ? new ClientLoad({
          peers: config.peers,
          rps: config.behaviour.rps,
          ramp: config.behaviour.ramp,
          concurrency: config.behaviour.concurrency,
          payloadBytes: config.behaviour.payloadBytes ?? 0,
          hopBudget: config.hopBudget,
          caller,
          stats,
        })
      : undefined;

  server.listen(config.listen.port, config.listen.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const port = (server.address() as AddressInfo).port;
  log.info(`listening on https://${config.listen.host}:${port} (${config.kind}, rev ${config.rev})`);
  load?.start();
  telemetry.start();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    load?.stop();
    server.close();
    server.closeIdleConnections();
    for (let waited = 0; (load?.pending ?? 0) > 0 && waited < DRAIN_MS; waited += 20) await sleep(20);
    await telemetry.flush(FLUSH_MS);
    server.closeAllConnections();
    await Promise.allSettled([caller.close(), telemetry.close()]);
  };
  return {
    port,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
