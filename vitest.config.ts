import { defineConfig } from 'vitest/config';

// Unit and API tests of every package, next to the code they test. Workspace packages resolve to their
// sources through the "source" export condition, so nothing needs building except the service runtime
// bundle that the server forks (services/dist/main.js, made by `npm run build`).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['{world,pki,services,server,web}/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One file at a time: many files start real processes (up to 20 services each) and measure rates, and two of
    // them at once on a 2-core machine starve each other. Slower, but what a test asserts is then the code's doing.
    fileParallelism: false,
  },
});
