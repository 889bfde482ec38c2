// Faults on a running world: /api/worlds/:id/faults (list, inject, remove one, remove all), killing one
// service's process (the supervisor then restarts it by its restart policy, with a new pid), starting again
// one that is down (killed with restart "no", crashed), and restarting one by hand.
import {
  ActiveFault,
  ErrorBody,
  FaultList,
  FaultParams,
  FaultSpec,
  IdParams,
  Killed,
  KillQuery,
  ServiceParams,
  ServiceStarted,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';

export const faultRoutes: FastifyPluginAsync = async (app) => {
  const { deployer } = app;

  const running = (id: string) => {
    app.worldStore.require(id);
    const deployment = deployer.find(id);
    if (!deployment)
      throw new HttpProblem(409, 'not-deployed', `world "${id}" is not deployed: faults act on running processes`);
    return deployment;
  };

  app.get<{ Params: { id: string } }>(
    '/api/worlds/:id/faults',
    { schema: { params: IdParams, response: { 200: FaultList, 404: ErrorBody } } },
    async (request) => {
      app.worldStore.require(request.params.id);
      return deployer.faultList(request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: FaultSpec }>(
    '/api/worlds/:id/faults',
    {
      schema: {
        params: IdParams,
        body: FaultSpec,
        response: { 201: ActiveFault, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const active = await deployer.exclusive(id, () => running(id).faults.add(request.body));
      return reply.code(201).send(active);
    },
  );

  app.delete<{ Params: { id: string; faultId: string } }>(
    '/api/worlds/:id/faults/:faultId',
    { schema: { params: FaultParams, response: { 200: FaultList, 404: ErrorBody, 409: ErrorBody } } },
    async (request) => {
      const { id, faultId } = request.params;
      return deployer.exclusive(id, async () => {
        const deployment = running(id);
        await deployment.faults.remove(faultId);
        return deployment.faults.list();
      });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/worlds/:id/faults',
    { schema: { params: IdParams, response: { 200: FaultList, 404: ErrorBody, 409: ErrorBody } } },
    async (request) => {
      const { id } = request.params;
      return deployer.exclusive(id, async () => {
        const deployment = running(id);
        await deployment.faults.clear();
        return deployment.faults.list();
      });
    },
  );

  app.post<{ Params: { id: string; serviceId: string }; Querystring: { replica?: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/kill',
    {
      schema: {
        params: ServiceParams,
        querystring: KillQuery,
        response: { 202: Killed, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id, serviceId } = request.params;
      const replica = request.query.replica === undefined ? undefined : Number(request.query.replica);
      const copies = running(id).replicasOf(serviceId);
      if (copies.length === 0)
        throw new HttpProblem(404, 'not-found', `service "${serviceId}" is not part of the deployed world "${id}"`);
      const targets = replica === undefined ? copies : copies.filter((p) => p.replica === replica);
      if (targets.length === 0) {
        throw new HttpProblem(
          404,
          'not-found',
          `service "${serviceId}" runs ${copies.length} replica(s): there is no replica ${replica}`,
        );
      }
      const pids: number[] = [];
      for (const p of targets) {
        const pid = p.pid;
        if (pid !== null && p.signal('SIGKILL')) pids.push(pid);
      }
      if (pids.length === 0) {
        const what = replica === undefined ? `service "${serviceId}"` : `replica ${replica} of "${serviceId}"`;
        const states = targets.map((p) => p.state).join(', ');
        throw new HttpProblem(409, 'not-running', `${what} is not running (${states}): nothing to kill`);
      }
      return reply
        .code(202)
        .send({ serviceId, pid: pids[0] as number, pids, ...(replica !== undefined ? { replica } : {}) });
    },
  );

  app.post<{ Params: { id: string; serviceId: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/start',
    { schema: { params: ServiceParams, response: { 202: ServiceStarted, 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const { id, serviceId } = request.params;
      const started = await deployer.exclusive(id, async () => {
        const copies = running(id).replicasOf(serviceId);
        if (copies.length === 0)
          throw new HttpProblem(404, 'not-found', `service "${serviceId}" is not part of the deployed world "${id}"`);
        const down = copies.filter((p) => !p.alive && p.state === 'crashed');
        if (down.length === 0) {
          const states = copies.map((p) => p.state).join(', ');
          throw new HttpProblem(409, 'not-down', `service "${serviceId}" is not down (${states}): nothing to start`);
        }
        for (const p of down) p.start();
        return down.map((p) => p.replica);
      });
      return reply.code(202).send({ serviceId, replicas: started });
    },
  );

  // Restart by hand: the running copies one after the other (its callers carry on through the others), each on its
  // own port with its identity; copies that are down are started. Answers once every copy has been started again.
  app.post<{ Params: { id: string; serviceId: string }; Querystring: { replica?: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/restart',
    {
      schema: {
        params: ServiceParams,
        querystring: KillQuery,
        response: { 202: ServiceStarted, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id, serviceId } = request.params;
      const replica = request.query.replica === undefined ? undefined : Number(request.query.replica);
      const restarted = await deployer.exclusive(id, async () => {
        const copies = running(id).replicasOf(serviceId);
        if (copies.length === 0)
          throw new HttpProblem(404, 'not-found', `service "${serviceId}" is not part of the deployed world "${id}"`);
        const targets = replica === undefined ? copies : copies.filter((p) => p.replica === replica);
        if (targets.length === 0) {
          throw new HttpProblem(
            404,
            'not-found',
            `service "${serviceId}" runs ${copies.length} replica(s): there is no replica ${replica}`,
          );
        }
        for (const p of targets) await p.restart();
        return targets.map((p) => p.replica);
      });
      return reply.code(202).send({ serviceId, replicas: restarted });
    },
  );
};
