// Faults on a running world: /api/worlds/:id/faults (list, inject, remove one, remove all), and killing one
// service's process (the supervisor then restarts it by its restart policy, with a new pid).
import { ActiveFault, ErrorBody, FaultList, FaultSpec } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { HttpProblem } from '../http/errors.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const FaultParams = Type.Object({ id: Type.String({ maxLength: 200 }), faultId: Type.String({ maxLength: 200 }) });
const ServiceParams = Type.Object({ id: Type.String({ maxLength: 200 }), serviceId: Type.String({ maxLength: 200 }) });
const Killed = Type.Object({ serviceId: Type.String(), pid: Type.Integer() });

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

  app.post<{ Params: { id: string; serviceId: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/kill',
    { schema: { params: ServiceParams, response: { 202: Killed, 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const { id, serviceId } = request.params;
      const service = running(id).processes.get(serviceId);
      if (!service)
        throw new HttpProblem(404, 'not-found', `service "${serviceId}" is not part of the deployed world "${id}"`);
      const pid = service.pid;
      if (pid === null || !service.signal('SIGKILL')) {
        throw new HttpProblem(
          409,
          'not-running',
          `service "${serviceId}" is not running (${service.state}): nothing to kill`,
        );
      }
      return reply.code(202).send({ serviceId, pid });
    },
  );
};
