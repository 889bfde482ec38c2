// GET /api/worlds/:id/traces (recent sampled traces of the running deployment, newest first) and
// GET /api/worlds/:id/traces/:traceId (one trace's spans, parents before children).
import { ErrorBody, IdParams, Trace, TraceList, TraceListQuery, TraceParams } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';

/** Traces one list answer may hold (`?limit=`, default 50). */
const MAX_LIST = 500;

export const traceRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/api/worlds/:id/traces',
    { schema: { params: IdParams, querystring: TraceListQuery, response: { 200: TraceList, 404: ErrorBody } } },
    async (request) => {
      app.worldStore.require(request.params.id);
      const deployment = app.deployer.find(request.params.id);
      return { traces: deployment?.traces.recent(Math.min(Number(request.query.limit ?? 50), MAX_LIST)) ?? [] };
    },
  );

  app.get<{ Params: { id: string; traceId: string } }>(
    '/api/worlds/:id/traces/:traceId',
    { schema: { params: TraceParams, response: { 200: Trace, 404: ErrorBody } } },
    async (request) => {
      const { id, traceId } = request.params;
      app.worldStore.require(id);
      const trace = app.deployer.find(id)?.traces.get(traceId);
      if (!trace) {
        throw new HttpProblem(
          404,
          'not-found',
          `trace "${traceId}" is not among the recent sampled traces of world "${id}"`,
        );
      }
      return trace;
    },
  );
};
