// The store benchmark's reference: an in-memory Map behind the same mTLS server as every service
// (services/src/server.ts: TLS 1.3, client certificates of the world CA, SPIFFE authorization, hop budget, trace
// context, counting) answering the same GET/PUT /kv/<key> as a store, with no log and no fsync: what the store's
// durability costs is the difference.
import type { AddressInfo } from 'node:net';
import { createServiceServer, keyOf, readIdentity, Stats, Tracer } from '@dw/services';
import type { SpawnConfig } from '@dw/world';

const config = JSON.parse(process.env.DW_REFERENCE_CONFIG ?? '{}') as SpawnConfig;
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

const data = new Map<string, Buffer>();
const server = createServiceServer({
  config,
  identity: readIdentity(config.identity),
  stats: new Stats(config.serviceId, [], true),
  tracer: new Tracer(config.serviceId, true),
  readsBody: true,
  behaviour: async (_hops, _ctx, request) => {
    const target = keyOf(request.url);
    if ('problem' in target) return { status: 404, body: { error: 'no-key', message: target.problem } };
    if (request.method === 'GET') {
      const value = data.get(target.key);
      return value
        ? { status: 200, body: {}, bytes: value }
        : { status: 404, body: { error: 'not-found', message: 'no such key' } };
    }
    if (request.method === 'PUT') {
      const value = request.body ?? Buffer.alloc(0);
      const created = !data.has(target.key);
      data.set(target.key, value);
      return { status: created ? 201 : 200, body: { ok: true, key: target.key, bytes: value.length } };
    }
    return { status: 405, body: { error: 'method-not-allowed', message: request.method } };
  },
});
server.listen(config.listen.port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as AddressInfo).port}\n`);
});
