// A client: an open loop of calls on each of its links at its rate (which the controller may change).
import { clientBehaviour } from '../behaviour.js';
import { ClientLoad } from '../client-load.js';
import { drained } from './drain.js';
import { defineKindRuntime } from './kind-runtime.js';

export const clientRuntime = defineKindRuntime({
  kind: 'client',
  create({ config, caller, stats, tracer }) {
    const load = new ClientLoad({
      peers: config.peers,
      rps: config.behaviour.rps,
      ramp: config.behaviour.ramp,
      concurrency: config.behaviour.concurrency,
      payloadBytes: config.behaviour.payloadBytes ?? 0,
      hopBudget: config.hopBudget,
      caller,
      stats,
      tracer,
    });
    return {
      behaviour: clientBehaviour(config.serviceId),
      setRate: (rps) => load.setRate(rps),
      start: () => load.start(),
      stop: () => {
        load.stop();
        return drained(() => load.pending);
      },
    };
  },
});
