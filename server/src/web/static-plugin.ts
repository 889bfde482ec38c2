// The built editor (web/dist) at /, with the SPA fallback to index.html for every non-/api GET.
// Unknown /api paths answer a 404 ErrorBody. When the editor is not built, / says how to build it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorBody } from '@dw/world';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { markRoutes } from '../http/access-guard.js';

export interface StaticPluginOptions {
  /** The editor's build output; undefined or missing means "not built". */
  webDir?: string;
}

export const NOT_BUILT_MESSAGE =
  'Distributed World: the editor is not built yet (web/dist is missing).\n' +
  'Run `npm run build` in the repository (or `npm start`, which builds and starts everything), then reload.\n';

export const staticPlugin: FastifyPluginAsync<StaticPluginOptions> = async (app, options) => {
  const webDir = options.webDir;
  const built = webDir !== undefined && existsSync(join(webDir, 'index.html'));
  // The editor's files load before it can send the token (access-guard.ts): the only public routes.
  markRoutes(app, 'public');
  if (built) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  } else {
    app.log.warn(`the editor is not built (no index.html in ${webDir ?? '(no web dir)'}): run \`npm run build\``);
    // where the editor would be, in remote mode too (the browser sends no token for it)
    app.get('/', (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT_MESSAGE));
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/api' || path.startsWith('/api/') || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return reply.code(404).send({
        error: 'not-found',
        message: `${request.method} ${path} is not part of this API`,
      } satisfies ErrorBody);
    }
    if (!built) return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT_MESSAGE);
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
};
