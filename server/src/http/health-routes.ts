import { ErrorBody, Health } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';

/** `observing`: the world an observe-mode controller watches (the editor then shows it read-only). */
export const healthRoutes: FastifyPluginAsync<{ observing?: string }> = async (app, options) => {
  const answer: Health = options.observing ? { ok: true, observing: options.observing } : { ok: true };
  app.get('/api/health', { schema: { response: { 200: Health, 500: ErrorBody } } }, async () => answer);
};
