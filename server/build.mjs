// Bundles the controller into dist/main.js: workspace packages (@dw/*) are inlined from their sources; the
// controller's own third-party dependencies stay external and load from server/node_modules at run time. What
// the inlined packages need and the server does not depend on itself (pki's @peculiar/x509) is inlined too,
// since pnpm does not make it resolvable from server/.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const workspace = (name) => name.startsWith('@dw/');
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !workspace(name))
  .flatMap((name) => [name, `${name}/*`]);

const common = {
  absWorkingDir: import.meta.dirname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  conditions: ['source'],
  external,
  sourcemap: 'linked',
  legalComments: 'none',
  // some CommonJS deps call require() for Node built-ins; ESM has no require, so give them one
  banner: {
    js: "import { createRequire as __dwCreateRequire } from 'node:module';\nconst require = __dwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/main.js' });
await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' });
// A world's scenario run headless, for CI: `npm run scenario -- <world.json>`.
await build({ ...common, entryPoints: ['src/scenarios/cli.ts'], outfile: 'dist/scenario.js' });
// For the compose image: self-contained (every dependency inlined), so the image needs no node_modules.
// standalone.js is the controller (the compose observer runs it), compose-pki.js the identity issuer.
const selfContained = { ...common, external: ['bufferutil', 'utf-8-validate'], sourcemap: false };
await build({ ...selfContained, entryPoints: ['src/main.ts'], outfile: 'dist/standalone.js' });
await build({ ...selfContained, entryPoints: ['src/compose/compose-pki.ts'], outfile: 'dist/compose-pki.js' });
// The compose import reads YAML in a worker thread started from this file, beside main.js and standalone.js.
await build({
  ...selfContained,
  entryPoints: ['src/compose/compose-yaml-worker.mjs'],
  outfile: 'dist/compose-yaml-worker.mjs',
});
// The init container of a Kubernetes pod: its first leaf from dw-pki (see src/kubernetes/enroll.ts).
await build({ ...selfContained, entryPoints: ['src/kubernetes/enroll-main.ts'], outfile: 'dist/enroll.js' });
