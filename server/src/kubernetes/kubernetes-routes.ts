// GET /api/worlds/:id/kubernetes: the saved world as Kubernetes manifests (one multi-document YAML, no private
// key in it). `?namespace=` chooses the namespace (default dw-<world id>), `?observer=false` leaves the observer
// out, `?observerPort=N` is the local port of the port-forward the header and the URL name (default 4401).
import { ErrorBody, slugOf } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { HttpProblem } from '../http/errors.js';
import { KubernetesExportError, kubernetesYaml } from './kubernetes-export.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const ExportQuery = Type.Object({
  namespace: Type.Optional(Type.String({ maxLength: 200 })),
  observer: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  observerPort: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
});
type Query = { namespace?: string; observer?: 'true' | 'false'; observerPort?: string };

export const kubernetesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/api/worlds/:id/kubernetes',
    { schema: { params: IdParams, querystring: ExportQuery, response: { 404: ErrorBody, 400: ErrorBody } } },
    async (request, reply) => {
      const stored = app.worldStore.require(request.params.id);
      const port = request.query.observerPort === undefined ? undefined : Number(request.query.observerPort);
      if (port !== undefined && (port < 1 || port > 65535)) {
        throw new HttpProblem(400, 'bad-port', `observerPort must be 1-65535, not ${port}`);
      }
      let yaml: string;
      try {
        yaml = kubernetesYaml(
          { worldId: stored.id, rev: stored.rev, world: stored.world },
          {
            namespace: request.query.namespace,
            observer: request.query.observer !== 'false',
            observerPort: port,
          },
        );
      } catch (error) {
        if (!(error instanceof KubernetesExportError)) throw error;
        // Pointers into the saved world (what the editor holds), e.g. /services/2/id.
        throw new HttpProblem(400, 'not-exportable', error.message, error.problems);
      }
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${slugOf(stored.world.name)}.kubernetes.yaml"`)
        .send(yaml);
    },
  );
};
