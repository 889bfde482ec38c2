// GET /api/worlds/:id/compose: the world as a compose file (YAML, no private key in it).
// POST /api/import/compose: a compose file (raw YAML, or JSON { compose, name? }) saved as a new world; `name` is
// used unless the file is an exported world that carries its own. The file is read in a worker within
// COMPOSE_LIMITS (413 beyond them, 422 when reading takes too long), and the world it makes is checked by the
// validator of POST /api/worlds before anything is written (400 invalid-world, pointers into the compose file).

import { setImmediate } from 'node:timers/promises';
import { ComposeExportQuery, ComposeImportResult, ErrorBody, IdParams, slugOf, uniqueWorldName } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { composeYaml } from './compose-export.js';
import { ComposeYamlReader, checkImportedWorld, worldFromCompose } from './compose-import.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

export const composeRoutes: FastifyPluginAsync = async (app) => {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const reader = new ComposeYamlReader();
  app.addHook('onClose', async () => reader.close());

  app.get<{ Params: { id: string }; Querystring: ComposeExportQuery }>(
    '/api/worlds/:id/compose',
    { schema: { params: IdParams, querystring: ComposeExportQuery, response: { 404: ErrorBody, 400: ErrorBody } } },
    async (request, reply) => {
      const stored = app.worldStore.require(request.params.id);
      const port = request.query.observerPort === undefined ? undefined : Number(request.query.observerPort);
      if (port !== undefined && (port < 1 || port > 65535)) {
        throw new HttpProblem(400, 'bad-port', `observerPort must be 1-65535, not ${port}`);
      }
      const yaml = composeYaml(
        { worldId: stored.id, rev: stored.rev, world: stored.world },
        { observer: request.query.observer !== 'false', observerPort: port },
      );
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${slugOf(stored.world.name)}.compose.yaml"`)
        .send(yaml);
    },
  );

  app.post<{ Body: unknown }>(
    '/api/import/compose',
    {
      schema: {
        response: { 201: ComposeImportResult, 400: ErrorBody, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      let text: string;
      let name: string | undefined;
      if (typeof body === 'string') text = body;
      else if (
        body !== null &&
        typeof body === 'object' &&
        typeof (body as { compose?: unknown }).compose === 'string'
      ) {
        text = (body as { compose: string }).compose;
        const given = (body as { name?: unknown }).name;
        if (typeof given === 'string' && given.trim().length > 0) name = given.trim();
      } else {
        throw new HttpProblem(
          400,
          'bad-request',
          'send the compose file as YAML (content-type application/yaml) or as JSON { "compose": "<yaml>" }',
        );
      }
      const imported = await worldFromCompose(text, { name }, reader);
      await setImmediate(); // other requests between building the world and validating it
      const world = checkImportedWorld(imported);
      const { warnings } = imported;
      // An exported world comes back beside the one it was exported from: never under the same name.
      const unique = uniqueWorldName(
        world.name,
        app.worldStore.list().map((w) => w.name),
      );
      if (unique !== world.name) {
        warnings.push({ pointer: '', message: `a world is already named "${world.name}": this one is "${unique}"` });
        world.name = unique;
      }
      const saved = await app.worldStore.create(world);
      return reply.code(201).send({ id: saved.id, rev: saved.rev, world: saved.world, warnings });
    },
  );
};
