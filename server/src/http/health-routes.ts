import { ErrorBody } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/health',
    { schema: { response: { 200: Type.Object({ ok: Type.Literal(true) }), 500: ErrorBody } } },
    async () => ({ ok: true as const }),
  );
};
