// Builds the controller: shared services as plugins that decorate the instance (worldStore, deployer, io),
// routes as encapsulated plugins with request and response schemas. Never listens: main.ts and tests do.
import type { ObserveConfig } from '@dw/world';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { composeRoutes } from './compose/compose-routes.js';
import { deployRoutes } from './deploy/deploy-routes.js';
import { deployerPlugin } from './deploy/deployer-plugin.js';
import { faultRoutes } from './deploy/fault-routes.js';
import { gatewayRoutes } from './deploy/gateway-routes.js';
import { kindDataRoutes } from './deploy/kind-data-routes.js';
import { type AccessOptions, installAccessGuard, routeAccess } from './http/access-guard.js';
import { HttpProblem, installErrorHandling } from './http/errors.js';
import { healthRoutes } from './http/health-routes.js';
import { installJsonBody } from './http/json-body.js';
import { typeboxValidatorCompiler } from './http/validation.js';
import { kubernetesRoutes } from './kubernetes/kubernetes-routes.js';
import { livePlugin } from './live/live-plugin.js';
import { loadRoutes } from './load/load-routes.js';
import { runRoutes } from './runs/run-routes.js';
import type { RunLimits } from './runs/run-store.js';
import { runsPlugin } from './runs/runs-plugin.js';
import { scenarioRoutes } from './scenarios/scenario-routes.js';
import { metricsRoutes } from './traffic/metrics-routes.js';
import { telemetryRoutes } from './traffic/telemetry-routes.js';
import { traceRoutes } from './traffic/trace-routes.js';
import { staticPlugin } from './web/static-plugin.js';
import { worldStorePlugin } from './worlds/world-store-plugin.js';
import { worldsRoutes } from './worlds/worlds-routes.js';

export interface AppOptions {
  /** Where worlds, CAs and deployment identities live. */
  dataDir: string;
  /** The built editor (web/dist); when missing, / says how to build it. */
  webDir?: string;
  logger?: FastifyServerOptions['logger'];
  /** Save the example world when there is none (default true). */
  seedExample?: boolean;
  /** services/dist/main.js; resolved from @dw/services/main when not given. */
  runtimePath?: string;
  /** The controller's base URL as services reach it (default: the address it listens on). */
  controllerUrl?: string;
  frameIntervalMs?: number;
  /**
   * Observe mode: show this world, which runs elsewhere (compose containers), from its telemetry. Nothing is
   * deployed and nothing can be changed: every request but GET, HEAD and telemetry is answered 403.
   */
  observe?: ObserveConfig;
  /** Who may call: loopback names only (default), or in remote mode anyone holding `access.token`. */
  access?: AccessOptions;
  /** Largest request body in bytes (default 2 MiB); larger ones get a 413 body-too-large. */
  bodyLimit?: number;
  /**
   * How many service processes every world together may run (each replica, client and intruder is one); a deploy
   * beyond it is refused with 409 process-budget. Default: from the machine's memory (defaultProcessBudget in
   * deploy/process-budget.ts); main.ts takes it from DW_MAX_PROCESSES.
   */
  maxProcesses?: number;
  /**
   * The niceness of the services of a world that runs more than 8 processes a core, so that the controller and the
   * browser watching it keep their share (deploy/service-priority.ts); default 10, 0 never lowers it. main.ts
   * takes it from DW_SERVICE_NICE.
   */
  serviceNiceness?: number;
  /** Runs (runs/): record every deploy (default true), their limits, and the largest run file an import takes. */
  runs?: { record?: boolean; limits?: Partial<RunLimits>; importLimit?: number };
  /**
   * It may deploy worlds that run the person's own code (a service's handler, a process node's command), which
   * runs as the controller's user. Default: yes on loopback, no in remote mode (`access.token` set); main.ts
   * allows it in remote mode only with DW_ALLOW_CODE=1.
   */
  allowOwnCode?: boolean;
}

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(typeboxValidatorCompiler);
  installJsonBody(app);
  installErrorHandling(app);
  installAccessGuard(app, options.access ?? {});
  const observe = options.observe;
  if (observe) {
    app.addHook('onRequest', async (request) => {
      if (request.method === 'GET' || request.method === 'HEAD' || routeAccess(request) === 'deployment') return;
      throw new HttpProblem(
        403,
        'observe-only',
        `this controller only observes world "${observe.worldId}" running in compose: ${request.method} ${request.url} is not allowed here`,
      );
    });
  }

  await app.register(worldStorePlugin, {
    dataDir: options.dataDir,
    seedExample: observe ? false : options.seedExample,
  });
  await app.register(deployerPlugin, {
    runtimePath: options.runtimePath,
    controllerUrl: options.controllerUrl,
    frameIntervalMs: options.frameIntervalMs,
    maxProcesses: options.maxProcesses,
    serviceNiceness: options.serviceNiceness,
    ownCode: options.allowOwnCode ?? options.access?.token === undefined,
  });
  await app.register(livePlugin, { access: options.access ?? {} });
  await app.register(runsPlugin, { record: !observe && options.runs?.record !== false, limits: options.runs?.limits });

  await app.register(healthRoutes, { observing: observe?.worldId });
  await app.register(worldsRoutes);
  await app.register(deployRoutes);
  await app.register(faultRoutes);
  await app.register(kindDataRoutes);
  await app.register(gatewayRoutes);
  await app.register(scenarioRoutes);
  await app.register(loadRoutes);
  await app.register(telemetryRoutes);
  await app.register(traceRoutes);
  await app.register(runRoutes, { importLimit: options.runs?.importLimit });
  await app.register(metricsRoutes);
  await app.register(composeRoutes);
  await app.register(kubernetesRoutes);
  await app.register(staticPlugin, { webDir: options.webDir });
  if (observe) {
    await app.worldStore.adopt(observe.worldId, observe.rev, observe.world);
    app.deployer.observe(observe);
  }
  return app;
}
