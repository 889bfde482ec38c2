// Decorates the instance with `worldStore`. On first start (no worlds at all) it saves the example world,
// so the page opens on something ready to deploy.
import { EXAMPLE_WORLD } from '@dw/world';
import { sharedPlugin } from '../http/shared-plugin.js';
import { WorldStore } from './world-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    worldStore: WorldStore;
  }
}

export interface WorldStorePluginOptions {
  dataDir: string;
  /** Save EXAMPLE_WORLD when the data dir holds no world (default true). */
  seedExample?: boolean;
}

export const worldStorePlugin = sharedPlugin<WorldStorePluginOptions>('world-store', async (app, options) => {
  const store = await WorldStore.open(options.dataDir, {
    info: (message) => app.log.info(message),
    warn: (message) => app.log.warn(message),
  });
  if ((options.seedExample ?? true) && store.size === 0 && store.skipped.length === 0) {
    const example = await store.create(structuredClone(EXAMPLE_WORLD));
    app.log.info(`saved the example world as "${example.id}"`);
  }
  app.decorate('worldStore', store);
});
