// /api/runs: the runs the controller recorded (runs-plugin.ts) or imported -- list them (all, or a world's),
// read one's summary with totals per link and its events, page through its frames, export it as one file,
// import such a file (read-only), delete one that is not being recorded.
import {
  ErrorBody,
  IdParams,
  MAX_FRAMES_PER_PAGE,
  RunDetail,
  RunFile,
  RunFramesPage,
  RunFramesQuery,
  RunImported,
  RunList,
  RunParams,
  type RunStartRecord,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { checkWorldBody } from '../worlds/world-body.js';

/** Default largest run file POST /api/runs/import takes, bytes. */
export const DEFAULT_RUN_IMPORT_LIMIT = 32 * 1024 * 1024;

export interface RunRoutesOptions {
  /** Largest body of POST /api/runs/import, bytes (413 body-too-large beyond). */
  importLimit?: number;
}

export const runRoutes: FastifyPluginAsync<RunRoutesOptions> = async (app, options) => {
  const runs = app.runs;

  app.get('/api/runs', { schema: { response: { 200: RunList } } }, async () => runs.list());

  app.get<{ Params: IdParams }>(
    '/api/worlds/:id/runs',
    { schema: { params: IdParams, response: { 200: RunList, 404: ErrorBody } } },
    async (request) => {
      app.worldStore.require(request.params.id);
      return runs.list(request.params.id);
    },
  );

  app.get<{ Params: RunParams }>(
    '/api/runs/:runId',
    { schema: { params: RunParams, response: { 200: RunDetail, 404: ErrorBody } } },
    async (request) => {
      const { runId } = request.params;
      const facts = await runs.factsOf(runId);
      const run = runs.get(runId);
      if (!facts || !run) throw new HttpProblem(404, 'not-found', `there is no run "${runId}" on this controller`);
      return { run, ...facts };
    },
  );

  app.get<{ Params: RunParams; Querystring: RunFramesQuery }>(
    '/api/runs/:runId/frames',
    {
      schema: {
        params: RunParams,
        querystring: RunFramesQuery,
        response: { 200: RunFramesPage, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const from = Number(request.query.from ?? 0);
      const to = request.query.to === undefined ? Number.POSITIVE_INFINITY : Number(request.query.to);
      const limit = Math.min(Number(request.query.limit ?? MAX_FRAMES_PER_PAGE), MAX_FRAMES_PER_PAGE);
      const page = await runs.framesPage(runId, from, to, limit);
      if (!page) throw new HttpProblem(404, 'not-found', `there is no run "${runId}" on this controller`);
      return { runId, ...page };
    },
  );

  app.get<{ Params: RunParams }>(
    '/api/runs/:runId/export',
    { schema: { params: RunParams, response: { 200: RunFile, 404: ErrorBody } } },
    async (request, reply) => {
      const { runId } = request.params;
      const lines = await runs.lines(runId);
      const run = runs.get(runId);
      if (!lines || !run) throw new HttpProblem(404, 'not-found', `there is no run "${runId}" on this controller`);
      const start = JSON.parse(lines[0] ?? '{}') as RunStartRecord;
      if (start.t !== 'start') throw new HttpProblem(500, 'broken-run', `run "${runId}" has no start record`);
      // written by hand from the recorded lines: a recording is large, and its lines are already what the schema says
      const body = `{"format":"dw-run/1","run":${JSON.stringify(run)},"world":${JSON.stringify(start.world)},"records":[${lines.join(',\n')}]}`;
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="run-${start.worldId}-${runId}.json"`)
        .send(body);
    },
  );

  app.post<{ Body: RunFile }>(
    '/api/runs/import',
    {
      bodyLimit: options.importLimit ?? DEFAULT_RUN_IMPORT_LIMIT,
      schema: { body: RunFile, response: { 201: RunImported, 400: ErrorBody, 413: ErrorBody } },
    },
    async (request, reply) => {
      const file = request.body;
      const world = checkWorldBody(file.world, '/world');
      const start = file.records[0];
      if (start?.t !== 'start') {
        throw new HttpProblem(
          400,
          'invalid-run',
          'the run file\'s first record must be the start of the run ("t": "start")',
          [{ pointer: '/records/0', message: 'must be the start record of the run' }],
        );
      }
      if (file.records.slice(1).some((r) => r.t === 'start')) {
        throw new HttpProblem(400, 'invalid-run', 'the run file holds more than one run (a second "start" record)');
      }
      try {
        const run = await runs.import(file.records, { ...start, world });
        return reply.code(201).send({ run });
      } catch (error) {
        if (error instanceof RangeError) throw new HttpProblem(413, 'run-too-large', error.message);
        throw error;
      }
    },
  );

  app.delete<{ Params: RunParams }>(
    '/api/runs/:runId',
    { schema: { params: RunParams, response: { 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const { runId } = request.params;
      if (runs.isRecording(runId)) {
        throw new HttpProblem(
          409,
          'run-recording',
          `run "${runId}" is still being recorded: stop its world's deployment first, then delete it`,
        );
      }
      if (!(await runs.delete(runId))) {
        throw new HttpProblem(404, 'not-found', `there is no run "${runId}" on this controller`);
      }
      return reply.code(204).send();
    },
  );
};
