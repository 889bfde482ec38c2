// `npm run bench [chain|frames|browser ...]`: the toolchain, a build of every package, then the benchmarks in
// bench/ (see BENCHMARKS.md). Arguments pick benchmarks; BENCH_QUICK=1 shortens every run.
import { ensureChromium, ensureDependencies, ensurePnpm, runOrExit } from './toolchain.mjs';

const pnpm = ensurePnpm();
ensureDependencies(pnpm);
const picked = process.argv.slice(2);
// the browser benchmark (run by default) needs Chromium: found or installed before minutes of other benchmarks
const env = { ...process.env };
if (picked.length === 0 || picked.includes('browser')) {
  try {
    env.CHROMIUM_PATH = ensureChromium('the browser benchmark runs', 'npm run bench');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
runOrExit(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build']);
runOrExit(pnpm, ['--filter', '@dw/bench', 'run', 'bench', ...picked], { env });
