// Bundles the benchmarks (TypeScript, importing the workspace's TypeScript sources) into dist/.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/run.ts', 'src/reference-server.ts', 'src/reference-store.ts', 'src/reference-bare.ts'],
  outdir: 'dist',
  absWorkingDir: import.meta.dirname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  conditions: ['source'],
  packages: 'bundle',
  external: ['@playwright/test', 'playwright', 'playwright-core'],
  banner: {
    js: "import { createRequire as __dwCreateRequire } from 'node:module';\nconst require = __dwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
