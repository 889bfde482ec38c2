// An intruder: calls its links with its bad credential at its rate, or (an impostor) serves in another's name.
import { DEFAULT_INTRUDER_RPS } from '@dw/world';
import { clientBehaviour } from '../behaviour.js';
import { ClientLoad } from '../client-load.js';
import { drained } from './drain.js';
import { defineKindRuntime } from './kind-runtime.js';

export const intruderRuntime = defineKindRuntime({
  kind: 'intruder',
  closedMeansRefused: true,
  create({ config, caller, stats, tracer }) {
    const { mode } = config.behaviour;
    // An impostor answers in its own name (the callers fooled into calling it refuse it first).
    if (mode === 'impostor') return { behaviour: clientBehaviour(config.serviceId), describe: () => mode };
    const load = new ClientLoad({
      peers: config.peers,
      rps: config.behaviour.rps ?? DEFAULT_INTRUDER_RPS,
      payloadBytes: 0,
      hopBudget: config.hopBudget,
      caller,
      stats,
      tracer,
    });
    return {
      behaviour: clientBehaviour(config.serviceId),
      start: () => load.start(),
      stop: () => {
        load.stop();
        return drained(() => load.pending);
      },
      describe: () => `${mode}, calling ${config.peers.length} target(s)`,
    };
  },
});
