// POST /api/telemetry -- internal: service processes report here, one small batch per interval.
// The batch is checked against its schema, the x-dw-token header against that deployment's secret
// (401 without one, 403 when it does not match), and batches of replaced processes or revisions are ignored, as
// are copies of a batch already counted (a POST that timed out but arrived, sent again with the same seq).
import { ErrorBody, TELEMETRY_TOKEN_HEADER, TelemetryBatch } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { HttpProblem } from '../http/errors.js';

export const telemetryRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: TelemetryBatch }>(
    '/api/telemetry',
    {
      logLevel: 'warn', // ten batches a second per service: not worth a log line each
      config: { access: 'deployment' }, // no controller token: each batch carries its deployment's (access-guard.ts)
      schema: { body: TelemetryBatch, response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } },
    },
    async (request, reply) => {
      const token = request.headers[TELEMETRY_TOKEN_HEADER];
      if (typeof token !== 'string' || token.length === 0) {
        throw new HttpProblem(
          401,
          'unauthorized',
          `telemetry needs the deployment's token in ${TELEMETRY_TOKEN_HEADER}`,
        );
      }
      const batch = request.body;
      const deployment = app.deployer.find(batch.worldId) ?? app.deployer.findObserved(batch.worldId);
      if (!deployment?.tokenMatches(token)) {
        throw new HttpProblem(403, 'forbidden', 'this token does not belong to a running deployment of that world');
      }
      // a stale batch or a copy is answered the same way: the sender has nothing to fix, nor to send again
      deployment.ingest(batch);
      return reply.code(204).send();
    },
  );
};
