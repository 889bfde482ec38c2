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
import { listenForReloads } from './identity-reload.js';
import { IdentityRenewal } from './identity-renewal.js';
import type { Log } from './log.js';
import { listenForPeerUpdates } from './peers-update.js';
import { createServiceServer } from './server.js';
import { Stats } from './stats.js';
import { TelemetryReporter } from './telemetry.js';
import { Tracer } from './tracing.js';

export interface Runtime {
  /** The port the server listens on. */
  port: number;
  /** Stops traffic, closes the server, flushes one last batch; resolves within about 1.5 s. */
  stop(): Promise<void>;
}

const DRAIN_MS = 500;
const FLUSH_MS = 700;

/** Attempts per second an intruder makes on each of its links when its config says nothing. */
export const DEFAULT_INTRUDER_RPS = 2;

export async function startRuntime(config: SpawnConfig, identity: IdentityPem, log: Log): Promise<Runtime> {
  const telemetryOn = config.telemetry.enabled !== false;
  const stats = new Stats(config.serviceId, config.peers, telemetryOn);
  const tracer = new Tracer(config.serviceId, telemetryOn);
  const intruder = config.kind === 'intruder' ? config.behaviour : undefined;
  const faults = new FaultTable(config.faults);
  const caller = new Caller(config.worldId, config.peers, identity, stats, {
    closedMeansRefused: !!intruder,
    tracer,
    policy: config.kind === 'intruder' ? undefined : config.behaviour.calls,
    faults,
  });
  const behaviour = config.kind === 'service' ? serviceBehaviour(config, caller) : clientBehaviour(config.serviceId);
  // An intruder serves only as an impostor (answering in another service's name); the others only call.
  const serves = !intruder || intruder.mode === 'impostor';
  const server = serves
    ? createServiceServer({
        config,
        identity,
        stats,
        tracer,
        behaviour,
        faults,
        setRate: config.kind === 'client' ? (rps) => load?.setRate(rps) : undefined,
        log,
      })
    : undefined;
  const telemetry = new TelemetryReporter(
    config.telemetry,
    {
      worldId: config.worldId,
      serviceId: config.serviceId,
      ...(config.replica !== undefined ? { replica: config.replica } : {}),
      rev: config.rev,
    },
    stats,
    tracer,
    log,
  );
  const rps =
    config.kind === 'client'
      ? config.behaviour.rps
      : intruder && intruder.mode !== 'impostor'
        ? (intruder.rps ?? DEFAULT_INTRUDER_RPS)
        : undefined;
  const load =
    rps !== undefined
      ? new ClientLoad({
          peers: config.peers,
          rps,
          ramp: config.kind === 'client' ? config.behaviour.ramp : undefined,
          concurrency: config.kind === 'client' ? config.behaviour.concurrency : undefined,
          payloadBytes: config.kind === 'client' ? (config.behaviour.payloadBytes ?? 0) : 0,
          hopBudget: config.hopBudget,
          caller,
          stats,
          tracer,
        })
      : undefined;

  let port = config.listen.port;
  if (server) {
    server.listen(config.listen.port, config.listen.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw err;
      }),
    ]);
    port = (server.address() as AddressInfo).port;
    log.info(`listening on https://${config.listen.host}:${port} (${config.kind}, rev ${config.rev})`);
  } else {
    log.info(`${config.kind} (${intruder?.mode}), rev ${config.rev}: calling ${config.peers.length} target(s)`);
  }
  load?.start();
  telemetry.start();
  const stopReloads = listenForReloads(config, identity, server, caller, log);
  const stopPeerUpdates = listenForPeerUpdates(caller, log);
  // In compose, nobody sends reloads: the process renews its own leaf from the world's issuer.
  const renewal =
    config.renewal && config.kind !== 'intruder'
      ? new IdentityRenewal({ ...config, renewal: config.renewal }, server, caller, log)
      : undefined;
  renewal?.start(identity);

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    load?.stop();
    stopReloads();
    stopPeerUpdates();
    renewal?.stop();
    server?.close();
    server?.closeIdleConnections();
    for (let waited = 0; (load?.pending ?? 0) > 0 && waited < DRAIN_MS; waited += 20) await sleep(20);
    await telemetry.flush(FLUSH_MS);
    server?.closeAllConnections();
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
