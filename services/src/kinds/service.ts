// A service: waits its latency, calls its links, answers (see ../behaviour.ts); its calls to the stores it links
// to read and write keys (../store-workload.ts). With a handler (its own code, ../handler.ts), the handler
// answers instead: compiled once here, before the process serves.
import { serviceBehaviour } from '../behaviour.js';
import { compileHandler, type HandlerFunction, handlerBehaviour } from '../handler.js';
import { storeCalls } from '../store-workload.js';
import { defineKindRuntime } from './kind-runtime.js';

export const serviceRuntime = defineKindRuntime<'service', HandlerFunction | undefined>({
  kind: 'service',
  prepare: async ({ config }) =>
    config.behaviour.handler === undefined ? undefined : compileHandler(config.behaviour.handler, config.serviceId),
  create: ({ config, caller, log }, handler) =>
    handler
      ? {
          behaviour: handlerBehaviour({
            handler,
            serviceId: config.serviceId,
            worldId: config.worldId,
            peers: config.peers,
            caller,
            log,
          }),
          readsBody: true,
          describe: () => 'its own handler',
        }
      : { behaviour: serviceBehaviour(config, caller, storeCalls(config, caller)) },
});
