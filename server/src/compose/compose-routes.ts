// GET /api/worlds/:id/compose: the world as a compose file (YAML, no private key in it).
// POST /api/import/compose: a compose file (raw YAML, or JSON { compose, name? }) saved as a new world; `name` is
// used unless the file is an exported world that carries its own.
import { ComposeExportQuery, ComposeImportResult, ErrorBody, IdParams } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { composeYaml } from './compose-export.js';
import { worldFromCompose } from './compose-import.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

export const composeRoutes: FastifyPluginAsync = async (app) => {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

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
        .header('content-disposition', 'attachment; filename="compose.yaml"')
        .send(yaml);
    },
  );

  app.post<{ Body: unknown }>(
    '/api/import/compose',
    { schema: { response: { 201: ComposeImportResult, 400: ErrorBody } } },
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
      const { world, warnings } = worldFromCompose(text, { name });
      const saved = await app.worldStore.create(world);
      return reply.code(201).send({ id: saved.id, rev: saved.rev, world: saved.world, warnings });
    },
  );
};
