// Wires one service process together: what every process has (stats, tracer, faults, the outbound caller, the
// mTLS server, telemetry, identity reloads and renewal), and what its kind adds (../kinds/).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ClientCallPolicy, kindOf, type SpawnConfig } from '@dw/world';
import { Caller, loadHttpClient } from './caller.js';
import { FaultTable } from './faults.js';
import type { IdentityPem } from './identity.js';
import { listenForReloads } from './identity-reload.js';
import { IdentityRenewal } from './identity-renewal.js';
import { runtimeOf } from './kinds/index.js';
import type { KindRuntime } from './kinds/kind-runtime.js';
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

const FLUSH_MS = 700;

export async function startRuntime(config: SpawnConfig, identity: IdentityPem, log: Log): Promise<Runtime> {
  const telemetryOn = config.telemetry.enabled !== false;
  const descriptor = kindOf(config.kind);
  const kind: KindRuntime = runtimeOf(config.kind);
  const stats = new Stats(config.serviceId, config.peers, telemetryOn);
  const tracer = new Tracer(config.serviceId, telemetryOn);
  const faults = new FaultTable(config.faults);
  // Timeout, retries and breaker, where the kind's config has them (or its runtime says).
  const behaviour = config.behaviour as { calls?: ClientCallPolicy };
  if (config.peers.length > 0) await loadHttpClient();
  const caller = new Caller(config.worldId, config.peers, identity, stats, {
    closedMeansRefused: kind.closedMeansRefused === true,
    tracer,
    policy: behaviour.calls ?? kind.callPolicy?.(config),
    faults,
  });
  const context = { config, identity, log, stats, tracer, caller, faults };
  const parts = kind.create(context, await kind.prepare?.(context));
  const server = descriptor.serves(config.behaviour)
    ? createServiceServer({
        config,
        identity,
        stats,
        tracer,
        behaviour: parts.behaviour,
        faults,
        setRate: parts.setRate,
        readsBody: parts.readsBody,
        door: parts.door,
        control: parts.control,
        log,
      })
    : undefined;
  const front = server && parts.front ? parts.front(server) : undefined;
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
    parts.gauges,
  );

  let port = config.listen.port;
  const listening = front ?? server;
  const what = parts.describe ? `${config.kind}, ${parts.describe()}` : config.kind;
  if (listening) {
    listening.listen(config.listen.port, config.listen.host);
    await Promise.race([
      once(listening, 'listening'),
      once(listening, 'error').then(([err]) => {
        throw err;
      }),
    ]);
    port = (listening.address() as AddressInfo).port;
    log.info(`listening on https://${config.listen.host}:${port} (${what}, rev ${config.rev})`);
  } else {
    log.info(`${what}, rev ${config.rev}`);
  }
  parts.start?.();
  telemetry.start();
  const stopReloads = listenForReloads(config, identity, server, caller, log);
  const stopPeerUpdates = listenForPeerUpdates(caller, log);
  // In compose, nobody sends reloads: a member renews its own leaf from the world's issuer.
  const renewal =
    config.renewal && descriptor.facts.identity === 'member'
      ? new IdentityRenewal({ ...config, renewal: config.renewal }, server, caller, log)
      : undefined;
  renewal?.start(identity);

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    stopReloads();
    stopPeerUpdates();
    renewal?.stop();
    front?.close();
    server?.close();
    server?.closeIdleConnections();
    await parts.stop?.();
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
