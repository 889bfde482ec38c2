// `npm test`: installs what the tests need, then runs every suite and says how long each took.
// Suites: lint, typecheck, build, unit + API (vitest), end-to-end (Playwright in Debian's Chromium).
// The summary names every test that did not run, with the reason it gave: a skip never hides in a count.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureChromium, ensureDependencies, ensurePnpm, root, run } from './toolchain.mjs';

const results = [];
const counts = { passed: 0, failed: 0 };
/** Every test that did not run: { suite, name, reason }. */
const skipped = [];
/** Every failed test, by name, with the first line of its error: the summary ends with them. */
const failures = [];

function suite(name, fn) {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  let ok;
  try {
    ok = fn();
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    ok = false;
  }
  results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  return ok;
}

/**
 * docker-compose, which the compose export's tests run (`docker-compose config -q` on exported files). Installed
 * with apt-get when missing and running as root, as `npm run test:compose` does (only the client: no engine is
 * needed to check a file). Otherwise those tests skip, and say why.
 */
function ensureDockerCompose() {
  const have = () => spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).status === 0;
  if (have()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('[setup] installing docker-compose with apt-get (the compose export is checked with it)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose'], {
      stdio: 'inherit',
      env,
    });
    if (have()) return;
  }
  console.log(
    '[setup] docker-compose is missing: the tests that run `docker-compose config -q` will be skipped ' +
      '(install it: `sudo apt-get install -y docker-compose`)',
  );
}

/** The tests of a Playwright JSON report that did not run, with the description of their skip annotation. */
function playwrightSkips(report) {
  const found = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'skipped') continue;
        const annotation = [...(test.annotations ?? [])].reverse().find((a) => a.type === 'skip' || a.type === 'fixme');
        found.push({ name: [...titles, spec.title].join(' > '), reason: annotation?.description ?? null });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report?.suites ?? []) walk(suite, [suite.title]);
  return found;
}

/** The failed tests of a vitest JSON report (jest's format). */
function vitestFailures(report) {
  const found = [];
  for (const file of report?.testResults ?? []) {
    const path = relative(root, file.name ?? '');
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      found.push({ name: `${path} > ${test.fullName ?? test.title}`, error: firstLine(test.failureMessages?.[0]) });
    }
    if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') {
      found.push({ name: path, error: firstLine(file.message) });
    }
  }
  return found;
}

/** The failed (or flaky) tests of a Playwright JSON report. */
function playwrightFailures(report) {
  const found = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected' && test.status !== 'flaky') continue;
        const error = test.results?.find((r) => r.error)?.error?.message;
        found.push({
          name: [...titles, spec.title].join(' > ') + (test.status === 'flaky' ? ' (flaky)' : ''),
          error: firstLine(error),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report?.suites ?? []) walk(suite, [suite.title]);
  return found;
}

function firstLine(text) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  return (
    plain
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim()
      .slice(0, 300) ?? ''
  );
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const pnpm = ensurePnpm();
ensureDependencies(pnpm);
const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

suite('lint (biome)', () => run(pnpm, ['exec', 'biome', 'check', '.']) === 0);
suite('typecheck (tsc)', () => run(pnpm, ['-r', 'run', 'typecheck']) === 0);
const built = suite('build', () => run(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build']) === 0);

suite('unit + API (vitest)', () => {
  ensureDockerCompose();
  const report = join(resultsDir, 'vitest.json');
  const skippedFile = join(resultsDir, 'vitest-skipped.json');
  rmSync(report, { force: true });
  rmSync(skippedFile, { force: true });
  const status = run(
    pnpm,
    [
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      `--reporter=${join(root, 'scripts', 'vitest-skipped.mjs')}`,
    ],
    { env: { ...process.env, DW_SKIPPED_FILE: skippedFile } },
  );
  const json = readJson(report);
  if (json) {
    counts.passed += json.numPassedTests ?? 0;
    counts.failed += json.numFailedTests ?? 0;
    for (const f of vitestFailures(json)) failures.push({ suite: 'vitest', ...f });
    const named = readJson(skippedFile) ?? [];
    for (const s of named) skipped.push({ suite: 'vitest', name: `${s.file} > ${s.name}`, reason: s.reason });
    // A skip the reporter could not name (it did not run) still counts.
    const count = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
    for (let i = named.length; i < count; i++) skipped.push({ suite: 'vitest', name: '(unnamed)', reason: null });
  } else if (status !== 0) counts.failed += 1;
  return status === 0;
});

suite('end-to-end (playwright, chromium)', () => {
  if (!built) throw new Error('skipped: the build failed');
  const chromium = ensureChromium('the end-to-end tests run', 'npm test');
  const report = join(root, 'e2e', 'test-results', 'results.json');
  rmSync(report, { force: true });
  const status = run(pnpm, ['exec', 'playwright', 'test'], {
    cwd: join(root, 'e2e'),
    env: { ...process.env, CHROMIUM_PATH: chromium },
  });
  const json = readJson(report);
  const stats = json?.stats;
  if (stats) {
    counts.passed += stats.expected ?? 0;
    counts.failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
    for (const f of playwrightFailures(json)) failures.push({ suite: 'playwright', ...f });
    const named = playwrightSkips(json);
    for (const s of named) skipped.push({ suite: 'playwright', ...s });
    for (let i = named.length; i < (stats.skipped ?? 0); i++) {
      skipped.push({ suite: 'playwright', name: '(unnamed)', reason: null });
    }
  } else if (status !== 0) counts.failed += 1;
  return status === 0;
});

console.log('\n=== summary');
for (const r of results)
  console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(36)} ${r.seconds.toFixed(1).padStart(7)} s`);
const total = results.reduce((sum, r) => sum + r.seconds, 0);
console.log(`      ${'total'.padEnd(36)} ${total.toFixed(1).padStart(7)} s`);
const failedSuites = results.filter((r) => !r.ok).length;
console.log(
  `tests: ${counts.passed} passed, ${counts.failed} failed, ${skipped.length} skipped` +
    (failedSuites > 0 ? `; steps failed: ${failedSuites} of ${results.length}` : ''),
);
for (const s of skipped) {
  console.log(
    `skipped (${s.suite}): ${s.name}\n    because: ${s.reason ?? 'no reason given (a static skip: skip with a reason instead)'}`,
  );
}
for (const f of failures) console.log(`failed (${f.suite}): ${f.name}\n    ${f.error}`);
process.exit(failedSuites === 0 ? 0 : 1);
