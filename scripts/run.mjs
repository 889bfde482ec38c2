// `npm run build|typecheck|lint|dev`: the toolchain first, then the same script in every package that has it.
import { ensureDependencies, ensurePnpm, runOrExit } from './toolchain.mjs';

const task = process.argv[2];
const pnpm = ensurePnpm();
ensureDependencies(pnpm);
if (task === 'lint') runOrExit(pnpm, ['exec', 'biome', 'check', '.']);
else if (task === 'dev') runOrExit(pnpm, ['--parallel', '--filter', '@dw/server', '--filter', '@dw/web', 'run', 'dev']);
else runOrExit(pnpm, ['-r', '--workspace-concurrency=1', 'run', task]);
