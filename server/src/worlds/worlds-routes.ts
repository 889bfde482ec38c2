// /api/worlds: list, create, read, update (with the revision it was based on), delete (with its recorded runs).
import { ErrorBody, IdParams, UpdateWorldBody, World, WorldRecord, WorldSummary } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { worldsValidatorCompiler } from './world-body.js';
import type { StoredWorld } from './world-store.js';

const recordOf = ({ id, rev, world }: StoredWorld): WorldRecord => ({ id, rev, world });

export const worldsRoutes: FastifyPluginAsync = async (app) => {
  app.setValidatorCompiler(worldsValidatorCompiler);
  const store = app.worldStore;

  app.get('/api/worlds', { schema: { response: { 200: Type.Array(WorldSummary) } } }, async () => store.list());

  app.post<{ Body: World }>(
    '/api/worlds',
    { schema: { body: World, response: { 201: WorldRecord, 400: ErrorBody } } },
    async (request, reply) => reply.code(201).send(recordOf(await store.create(request.body))),
  );

  app.get<{ Params: IdParams }>(
    '/api/worlds/:id',
    { schema: { params: IdParams, response: { 200: WorldRecord, 404: ErrorBody } } },
    async (request) => recordOf(store.require(request.params.id)),
  );

  app.put<{ Params: IdParams; Body: UpdateWorldBody & { world: World } }>(
    '/api/worlds/:id',
    {
      schema: {
        params: IdParams,
        body: UpdateWorldBody,
        response: { 200: WorldRecord, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { rev, world } = request.body;
      return recordOf(await store.update(request.params.id, rev, world));
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/worlds/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), 404: ErrorBody } } },
    async (request, reply) => {
      const { id } = request.params;
      store.require(id);
      // Stop its deployment first, in the world's deploy queue, so no deploy can start in between.
      await app.deployer.exclusive(id, async () => {
        await app.deployer.stopNow(id);
        await store.delete(id);
        // its recorded runs go with it (imported runs stay)
        await app.runs.deleteWorld(id);
      });
      return reply.code(204).send();
    },
  );
};
