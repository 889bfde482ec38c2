// Decorates the instance with `runs` (run-store.ts) and records every deploy of a world as a run: it listens on the
// deployer's bus (deploy-events.ts) for what the live view shows -- traffic frames, service states, deploy steps,
// faults -- and for sampled spans, log lines and scenario lines, and writes them down until the deployment stops
// (or the controller closes). With `record: false` nothing new is recorded; kept runs stay readable.
import { join } from 'node:path';
import type { RunRecord } from '@dw/world';
import { sharedPlugin } from '../http/shared-plugin.js';
import { DEFAULT_RUN_LIMITS, type RunLimits, RunStore } from './run-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    runs: RunStore;
  }
}

export interface RunsPluginOptions {
  /** Record runs (default true). */
  record?: boolean;
  limits?: Partial<RunLimits>;
}

export const runsPlugin = sharedPlugin<RunsPluginOptions>('runs', async (app, options) => {
  const store = await RunStore.open(
    join(app.worldStore.dataDir, 'runs'),
    { ...DEFAULT_RUN_LIMITS, ...options.limits },
    (message) => app.log.error(message),
  );
  app.decorate('runs', store);
  const offs: (() => void)[] = [];
  if (options.record !== false) {
    const { events } = app.deployer;
    const add = (worldId: string, record: RunRecord) => store.append(worldId, record);
    offs.push(
      events.on('deployed', ({ worldId, rev, world }) => {
        const run = store.start(worldId, rev, world);
        app.log.info(`recording run ${run.runId} of world "${worldId}" rev ${rev}`);
      }),
      events.on('stopped', ({ worldId }) => {
        void store
          .end(worldId)
          .catch((error: unknown) =>
            app.log.error(`could not end the run of world "${worldId}": ${(error as Error).message}`),
          );
      }),
      events.on('frame', (frame) => add(frame.worldId, { t: 'frame', at: frame.at, frame })),
      events.on('status', (status) => add(status.worldId, { t: 'status', at: Date.now(), status })),
      events.on('progress', (progress) => add(progress.worldId, { t: 'progress', at: progress.at, progress })),
      events.on('faults', (faults) => add(faults.worldId, { t: 'faults', at: Date.now(), faults })),
      events.on('log', (log) => add(log.worldId, { t: 'log', at: log.at, log })),
      events.on('spans', ({ worldId, spans }) => add(worldId, { t: 'spans', at: Date.now(), spans: [...spans] })),
      events.on('scenario', (scenario) => add(scenario.worldId, { t: 'scenario', at: Date.now(), scenario })),
      events.on('identity', (identity) => add(identity.worldId, { t: 'identity', at: Date.now(), identity })),
    );
  }
  // Whatever is still recorded when the controller closes ends here (whether the deployer stopped it already or not).
  app.addHook('onClose', async () => {
    for (const off of offs) off();
    await store.close();
  });
});
