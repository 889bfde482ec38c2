// /api/worlds/:id/deploy: deploy the saved world, read what runs, stop it; and a service's own stats over mTLS.
import { readFile } from 'node:fs/promises';
import { describeCertificate } from '@dw/pki';
import {
  type CallerCredential,
  credentialOf,
  DeployPreview,
  DeployRequest,
  DeployStarted,
  DeployStatus,
  ErrorBody,
  IdentityRoll,
  IdParams,
  NodeCertificate,
  type ServiceCertificate,
  ServiceParams,
  ServiceStats,
  servesOf,
  serviceIdFromSpiffe,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../http/errors.js';
import { assertSchema } from '../http/validation.js';
import { checkWorldBody } from '../worlds/world-body.js';
import { callService, servedCertificatePem } from './mtls.js';

export const deployRoutes: FastifyPluginAsync = async (app) => {
  const { deployer } = app;

  /** The deployment and the running process of one service, or the error that says why there is none. */
  const runningService = (id: string, serviceId: string) => {
    app.worldStore.require(id);
    const deployment = deployer.find(id);
    if (!deployment) throw new HttpProblem(409, 'not-deployed', `world "${id}" is not deployed`);
    // A service that runs more than once answers through a copy that is ready (they share one identity).
    const copies = deployment.replicasOf(serviceId);
    const service = copies.find((p) => p.state === 'ready' && p.alive) ?? copies[0];
    if (!service) {
      throw new HttpProblem(404, 'not-found', `service "${serviceId}" is not part of the deployed world "${id}"`);
    }
    if (!service.alive) {
      throw new HttpProblem(409, 'not-running', `service "${serviceId}" is not running (${service.state})`);
    }
    return { deployment, service };
  };

  // The body is optional (no schema: an empty body is no body): `{ rev }` deploys that revision, 409 when stale.
  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/worlds/:id/deploy',
    {
      schema: {
        params: IdParams,
        response: { 202: DeployStarted, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const body =
        request.body === undefined ? {} : assertSchema<DeployRequest>(DeployRequest, request.body, 'request body');
      const { rev } = deployer.deploy(request.params.id, body);
      return reply.code(202).send({ rev });
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/worlds/:id/deploy/plan',
    { schema: { params: IdParams, response: { 200: DeployPreview, 400: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const { id } = request.params;
      const stored = app.worldStore.require(id);
      const body = request.body;
      if (body === undefined) return deployer.preview(id, stored.world, stored.rev);
      if (typeof body !== 'object' || body === null || Array.isArray(body) || !('world' in body)) {
        throw new HttpProblem(400, 'invalid-request', 'the body must be empty or { "world": {...} }', [
          { pointer: '', message: 'expected an object with a "world" property' },
        ]);
      }
      return deployer.preview(id, checkWorldBody((body as { world: unknown }).world, '/world'), null);
    },
  );

  /** The running deployment of a world, or the error that says why there is none. */
  const runningDeployment = (id: string) => {
    app.worldStore.require(id);
    const deployment = deployer.find(id);
    if (!deployment) throw new HttpProblem(409, 'not-deployed', `world "${id}" is not deployed`);
    return deployment;
  };
  const rollFailed = (what: string, error: unknown) =>
    new HttpProblem(502, 'identity-roll-failed', `${what} did not complete: ${(error as Error).message}`);

  app.post<{ Params: { id: string } }>(
    '/api/worlds/:id/deploy/renew',
    { schema: { params: IdParams, response: { 200: IdentityRoll, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody } } },
    async (request) => {
      const deployment = runningDeployment(request.params.id);
      try {
        return await deployment.renewIdentities();
      } catch (error) {
        throw rollFailed('renewing the leaves', error);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/worlds/:id/deploy/rotate-ca',
    { schema: { params: IdParams, response: { 200: IdentityRoll, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody } } },
    async (request) => {
      const deployment = runningDeployment(request.params.id);
      try {
        return await deployment.rotateCa();
      } catch (error) {
        throw rollFailed('rotating the CA', error);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/worlds/:id/deploy',
    { schema: { params: IdParams, response: { 200: DeployStatus, 404: ErrorBody } } },
    async (request) => deployer.status(request.params.id),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/worlds/:id/deploy',
    { schema: { params: IdParams, response: { 200: DeployStatus, 404: ErrorBody } } },
    async (request) => deployer.stop(request.params.id),
  );

  app.get<{ Params: { id: string; serviceId: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/stats',
    {
      schema: {
        params: ServiceParams,
        response: { 200: ServiceStats, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request) => {
      const { id, serviceId } = request.params;
      const { deployment, service } = runningService(id, serviceId);
      let answer: Awaited<ReturnType<typeof callService>>;
      try {
        answer = await callService(
          { host: '127.0.0.1', port: service.port, serviceId },
          'stats',
          deployment.controller,
        );
      } catch (error) {
        throw new HttpProblem(
          502,
          'probe-failed',
          `could not ask "${serviceId}" for its stats: ${(error as Error).message}`,
        );
      }
      if (answer.status !== 200) {
        throw new HttpProblem(502, 'probe-failed', `"${serviceId}" answered its stats probe with ${answer.status}`);
      }
      try {
        return assertSchema<ServiceStats>(ServiceStats, answer.body, 'stats answer');
      } catch {
        throw new HttpProblem(502, 'probe-failed', `"${serviceId}" answered its stats probe with an unexpected shape`);
      }
    },
  );

  app.get<{ Params: { id: string; serviceId: string } }>(
    '/api/worlds/:id/deploy/services/:serviceId/certificate',
    {
      schema: {
        params: ServiceParams,
        response: { 200: NodeCertificate, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      },
    },
    async (request): Promise<ServiceCertificate | CallerCredential> => {
      const { id, serviceId } = request.params;
      const { deployment, service } = runningService(id, serviceId);
      const node = { kind: service.config.kind, config: service.config.behaviour };
      if (!servesOf(node)) {
        // It listens for no one (an intruder): no handshake to read; what it calls with is the file it was given.
        const { identity } = service.config;
        const certFile = 'certFile' in identity ? identity.certFile : undefined;
        let presents: CallerCredential['presents'] = null;
        if (certFile !== undefined) {
          try {
            presents = describeCertificate(await readFile(certFile, 'utf8'));
          } catch (error) {
            throw new HttpProblem(
              502,
              'probe-failed',
              `could not read the certificate "${serviceId}" calls with: ${(error as Error).message}`,
            );
          }
        }
        return { worldId: id, serviceId, serves: false, credential: credentialOf(node), presents, readAt: Date.now() };
      }
      let pem: string;
      try {
        pem = await servedCertificatePem({ host: '127.0.0.1', port: service.port, serviceId }, deployment.controller);
      } catch (error) {
        throw new HttpProblem(
          502,
          'probe-failed',
          `could not read the certificate "${serviceId}" presents: ${(error as Error).message}`,
        );
      }
      return {
        worldId: id,
        serviceId,
        certificate: describeCertificate(pem),
        allowedCallers: service.config.allowedCallers.map((spiffeId) => ({
          spiffeId,
          serviceId: serviceIdFromSpiffe(id, spiffeId),
        })),
        readAt: Date.now(),
      };
    },
  );
};
