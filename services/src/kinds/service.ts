// A service: waits its latency, calls its links, answers (see ../behaviour.ts); its calls to the stores it links
// to read and write keys (../store-workload.ts).
import { serviceBehaviour } from '../behaviour.js';
import { storeCalls } from '../store-workload.js';
import { defineKindRuntime } from './kind-runtime.js';

export const serviceRuntime = defineKindRuntime({
  kind: 'service',
  create: ({ config, caller }) => ({ behaviour: serviceBehaviour(config, caller, storeCalls(config, caller)) }),
});
