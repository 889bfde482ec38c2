// `npm run bench [chain|frames|browser ...]`: the toolchain, a build of every package, then the benchmarks in
// bench/ (see BENCHMARKS.md). Arguments pick benchmarks; BENCH_QUICK=1 shortens every run.
import { ensureDependencies, ensurePnpm, runOrExit } from './toolchain.mjs';

const pnpm = ensurePnpm();
ensureDependencies(pnpm);
runOrExit(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build']);
runOrExit(pnpm, ['--filter', '@dw/bench', 'run', 'bench', ...process.argv.slice(2)]);
