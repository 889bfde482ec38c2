// A service: waits its latency, calls its links, answers (see ../behaviour.ts).
import { serviceBehaviour } from '../behaviour.js';
import { defineKindRuntime } from './kind-runtime.js';

export const serviceRuntime = defineKindRuntime({
  kind: 'service',
  create: ({ config, caller }) => ({ behaviour: serviceBehaviour(config, caller) }),
});
