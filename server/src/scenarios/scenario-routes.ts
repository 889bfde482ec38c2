// POST /api/worlds/:id/scenario-runs { name }: plays one of the saved world's scenarios on the controller (deploys
// it, runs the timeline, judges the assertions, leaves it running without faults). Progress and the verdict go
// to the world's room as `scenario:progress`. One run per world at a time.
import {
  ErrorBody,
  IdParams,
  RunStarted,
  type ScenarioProgress,
  ScenarioRunRequest,
  scenarioVerdicts,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { roomOf } from '../live/live-plugin.js';
import { runScenario } from './runner.js';

export const scenarioRoutes: FastifyPluginAsync = async (app) => {
  const running = new Set<string>();

  app.post<{ Params: { id: string }; Body: ScenarioRunRequest }>(
    '/api/worlds/:id/scenario-runs',
    {
      schema: {
        params: IdParams,
        body: ScenarioRunRequest,
        response: { 202: RunStarted, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { name } = request.body;
      const stored = app.worldStore.require(id);
      const scenario = stored.world.scenarios?.find((s) => s.name === name);
      if (!scenario) {
        throw new HttpProblem(
          404,
          'not-found',
          `world "${id}" has no saved scenario named "${name}" (save the world first)`,
        );
      }
      if (running.has(id))
        throw new HttpProblem(409, 'already-running', `a scenario is already running on world "${id}"`);
      app.deployer.assertFits(id, stored.world); // a run deploys the world: refused now, not after the 202
      running.add(id);
      const emit = (line: string, extra: Pick<ScenarioProgress, 'done' | 'passed' | 'results'>) =>
        app.io.to(roomOf(id)).emit('scenario:progress', { worldId: id, name, line, ...extra });
      void runScenario(app, id, scenario, { keepRunning: true, say: (line) => emit(line, { done: false }) })
        .then((outcome) => {
          const results = scenarioVerdicts(outcome);
          emit(outcome.passed ? 'passed' : 'failed', { done: true, passed: outcome.passed, results });
        })
        .catch((error: unknown) => emit(`could not run: ${(error as Error).message}`, { done: true, passed: false }))
        .finally(() => running.delete(id));
      return reply.code(202).send({ name });
    },
  );
};
