// Bundles the service runtime into one self-contained file, dist/main.js, that the controller forks with plain
// `node services/dist/main.js` (and that a container can run with nothing else installed), with the chunks it loads
// only when needed in dist/chunks/.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  // what only some processes load (undici: only those that call peers) goes in chunks of its own, so the others
  // do not even compile it
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  absWorkingDir: import.meta.dirname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  conditions: ['source'],
  sourcemap: 'linked',
  legalComments: 'none',
  // some CommonJS deps call require() for Node built-ins; ESM has no require, so give them one
  banner: {
    js: "import { createRequire as __dwCreateRequire } from 'node:module';\nconst require = __dwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
