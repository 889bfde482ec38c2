// POST /api/worlds/:id/find-limit: ramps a running client until errors or p99 cross a threshold and answers
// the rate reached (bounded: at most 20 steps of at most 10 s). One search per world at a time.
import { ErrorBody, FindLimitRequest, FindLimitResult, IdParams } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { findLimit } from './find-limit.js';

export const loadRoutes: FastifyPluginAsync = async (app) => {
  const searching = new Set<string>();
  app.post<{ Params: { id: string }; Body: FindLimitRequest }>(
    '/api/worlds/:id/find-limit',
    {
      schema: {
        params: IdParams,
        body: FindLimitRequest,
        response: { 200: FindLimitResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params;
      app.worldStore.require(id);
      if (searching.has(id))
        throw new HttpProblem(409, 'already-running', `a limit search is already running on world "${id}"`);
      searching.add(id);
      try {
        return await findLimit(app, id, request.body);
      } finally {
        searching.delete(id);
      }
    },
  );
};
