// The data of the nodes that keep some (a queue's dead letters, a store's keys), read from their running
// processes over mutual TLS as the controller, and cleared on request:
//   GET    /api/worlds/:id/nodes/:nodeId/keys?after=&limit=   a store's keys, in order (StoreKeyList)
//   GET    /api/worlds/:id/nodes/:nodeId/keys/:key            one value (StoreValue)
//   GET    /api/worlds/:id/nodes/:nodeId/dead-letters         a queue's dead letters, newest first
//   DELETE /api/worlds/:id/nodes/:nodeId/data                 forget it all: the running process clears itself
//                                                             (on disk too); otherwise its directory goes
// The data lives in <data>/worlds-data/<world>/<node> and is otherwise removed only with the world.
import { rm } from 'node:fs/promises';
import {
  article,
  DataCleared,
  DeadLetterList,
  ErrorBody,
  isDurable,
  isKnownKind,
  KeyParams,
  KeysQuery,
  KIND_CONTROL,
  LimitQuery,
  MAX_KEYS_PER_PAGE,
  NodeParams,
  StoreKeyList,
  StoreValue,
  type WorldService,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { ensurePrivateDir } from '../storage/atomic-write.js';
import { mtlsJson } from './mtls.js';

export const kindDataRoutes: FastifyPluginAsync = async (app) => {
  const { deployer, worldStore } = app;

  /** The node, of a kind that keeps data: in the saved world, or in what runs. */
  const durableNode = (id: string, nodeId: string): WorldService => {
    const saved = worldStore.require(id).world.services.find((s) => s.id === nodeId);
    const node = saved ?? deployer.find(id)?.world.services.find((s) => s.id === nodeId);
    if (!node) throw new HttpProblem(404, 'not-found', `world "${id}" has no node "${nodeId}"`);
    if (!isKnownKind(node.kind) || !isDurable(node)) {
      throw new HttpProblem(400, 'keeps-no-data', `"${nodeId}" is ${article(node.kind)}: it keeps no data`);
    }
    return node;
  };

  /** Its process, when it runs and serves. */
  const runningProcess = (id: string, nodeId: string) => {
    const process = deployer.find(id)?.processes.get(nodeId);
    return process?.alive && process.state === 'ready' ? process : undefined;
  };

  /** A GET of the node's own route, as the controller; its 403 (not one of its routes) is said plainly. */
  const ask = async (id: string, nodeId: string, path: string, what: string): Promise<unknown> => {
    const node = durableNode(id, nodeId);
    const process = runningProcess(id, nodeId);
    const deployment = deployer.find(id);
    if (!process || !deployment) {
      throw new HttpProblem(
        409,
        'not-running',
        `"${nodeId}" is not running: deploy world "${id}" (and start it) to read its ${what}`,
      );
    }
    const answer = await mtlsJson(
      { host: '127.0.0.1', port: process.port, serviceId: nodeId },
      'GET',
      path,
      deployment.controller,
      undefined,
      5000,
    ).catch((error: Error) => {
      throw new HttpProblem(502, 'no-answer', `"${nodeId}" did not answer: ${error.message}`);
    });
    if (answer.status === 403) {
      throw new HttpProblem(404, 'not-found', `"${nodeId}" is ${article(node.kind)}: it has no ${what}`);
    }
    if (answer.status !== 200) {
      const message = (answer.body as { message?: string } | undefined)?.message ?? `status ${answer.status}`;
      throw new HttpProblem(
        answer.status === 404 ? 404 : 502,
        answer.status === 404 ? 'not-found' : 'bad-answer',
        message,
      );
    }
    return answer.body;
  };

  const limitOf = (raw: string | undefined, fallback: number) =>
    Math.min(MAX_KEYS_PER_PAGE, Math.max(1, raw === undefined ? fallback : Number(raw)));

  app.get<{ Params: NodeParams; Querystring: KeysQuery }>(
    '/api/worlds/:id/nodes/:nodeId/keys',
    {
      schema: {
        params: NodeParams,
        querystring: KeysQuery,
        response: { 200: StoreKeyList, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id, nodeId } = request.params;
      const query = new URLSearchParams({ limit: String(limitOf(request.query.limit, 100)) });
      if (request.query.after !== undefined) query.set('after', request.query.after);
      return (await ask(id, nodeId, `${KIND_CONTROL.keys}?${query}`, 'keys')) as StoreKeyList;
    },
  );

  app.get<{ Params: KeyParams }>(
    '/api/worlds/:id/nodes/:nodeId/keys/:key',
    {
      schema: {
        params: KeyParams,
        response: { 200: StoreValue, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id, nodeId, key } = request.params;
      return (await ask(id, nodeId, `${KIND_CONTROL.keyPrefix}${encodeURIComponent(key)}`, 'keys')) as StoreValue;
    },
  );

  app.get<{ Params: NodeParams; Querystring: LimitQuery }>(
    '/api/worlds/:id/nodes/:nodeId/dead-letters',
    {
      schema: {
        params: NodeParams,
        querystring: LimitQuery,
        response: { 200: DeadLetterList, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id, nodeId } = request.params;
      const path = `${KIND_CONTROL.deadLetters}?limit=${limitOf(request.query.limit, 100)}`;
      return (await ask(id, nodeId, path, 'dead letters')) as DeadLetterList;
    },
  );

  app.delete<{ Params: NodeParams }>(
    '/api/worlds/:id/nodes/:nodeId/data',
    {
      schema: {
        params: NodeParams,
        response: { 200: DataCleared, 400: ErrorBody, 404: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id, nodeId } = request.params;
      durableNode(id, nodeId);
      // in the world's deploy queue: no deploy starts or stops it in between
      return deployer.exclusive(id, async (): Promise<DataCleared> => {
        const process = runningProcess(id, nodeId);
        const deployment = deployer.find(id);
        if (process && deployment) {
          const answer = await mtlsJson(
            { host: '127.0.0.1', port: process.port, serviceId: nodeId },
            'POST',
            KIND_CONTROL.clear,
            deployment.controller,
            undefined,
            10_000,
          ).catch((error: Error) => {
            throw new HttpProblem(502, 'no-answer', `"${nodeId}" did not answer: ${error.message}`);
          });
          if (answer.status !== 200) {
            throw new HttpProblem(502, 'not-cleared', `"${nodeId}" could not clear its data (status ${answer.status})`);
          }
          const removed = (answer.body as { removed?: number }).removed ?? 0;
          app.log.info(`world "${id}": "${nodeId}" cleared its data (${removed} removed) while running`);
          return { nodeId, how: 'running', removed };
        }
        const dir = worldStore.nodeDataDir(id, nodeId);
        await rm(dir, { recursive: true, force: true });
        // a process of it that starts later (a restart policy) finds an empty directory of its own
        if (deployer.find(id)?.processes.has(nodeId)) await ensurePrivateDir(dir);
        app.log.info(`world "${id}": the data of "${nodeId}" removed (${dir})`);
        return { nodeId, how: 'stored' };
      });
    },
  );
};
