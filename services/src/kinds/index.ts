// The kinds a service process can be: the one list a new kind is added to (its descriptor is in @dw/world).
import type { ServiceKind } from '@dw/world';
import { clientRuntime } from './client.js';
import { gatewayRuntime } from './gateway.js';
import { intruderRuntime } from './intruder.js';
import type { KindRuntime } from './kind-runtime.js';
import { processRuntime } from './process.js';
import { queueRuntime } from './queue.js';
import { serviceRuntime } from './service.js';
import { storeRuntime } from './store.js';

const RUNTIMES: { [K in ServiceKind]: KindRuntime<K, any> } = {
  client: clientRuntime,
  service: serviceRuntime,
  process: processRuntime,
  gateway: gatewayRuntime,
  queue: queueRuntime,
  store: storeRuntime,
  intruder: intruderRuntime,
};

export function runtimeOf<K extends ServiceKind>(kind: K): KindRuntime<K, any> {
  return RUNTIMES[kind];
}
