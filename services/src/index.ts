// Pieces of the service runtime that tests and tools use; the process itself is src/main.ts (bundled to dist/).
export { CALL_TIMEOUT_MS, peerIdentityCheck } from './caller.js';
export { MAX_IN_FLIGHT_PER_LINK } from './client-load.js';
export { type ConfigResult, parseSpawnConfig } from './config.js';
export { readIdentity } from './identity.js';
export { keyOf } from './kinds/store.js';
export { callerClassifier, uriSans } from './peer-identity.js';
export { createServiceServer, parseHops } from './server.js';
export { Stats } from './stats.js';
export { HEARTBEAT_MS } from './telemetry.js';
export { isHandshakeRefusal, refusalFromTlsError } from './tls-errors.js';
export { Tracer } from './tracing.js';
