// The scenario command line as CI runs it: the built bundle, a world file, real processes. Two runs that differ
// only in one threshold: the one the injected latency respects exits 0, the one it breaks exits 1 and says why.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceRuntime } from '../testing/service-runtime.js';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/scenario.js', import.meta.url));
const world = fileURLToPath(new URL('./slow-payments.world.json', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

beforeAll(() => {
  ensureServiceRuntime();
  execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: 'inherit' });
});

describe('scenario command line', () => {
  it('passes with a threshold the run respects, fails with a readable reason with one it breaks', async () => {
    const errors = 'errors(shopper) < 1%';
    const pass = await run([world, '--assert', errors, '--assert', 'p99(shopper->orders) < 10s']);
    console.log(pass.stdout);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toContain('+150 ms on link l2');
    expect(pass.stdout).toMatch(/PASS {2}p99\(shopper->orders\) < 10s: p99\(shopper->orders\) = [\d.]+ ms/);
    expect(pass.stdout).toContain('passed: 2 assertion(s) held');

    const fail = await run([world, '--assert', errors, '--assert', 'p99(shopper->orders) < 100ms']);
    console.log(fail.stdout);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(
      /FAIL {2}p99\(shopper->orders\) < 100ms: p99\(shopper->orders\) = [\d.]+ ms, needed < 100\.0 ms/,
    );
    expect(fail.stdout).toContain('failed: 1 of 2 check(s) did not hold');
  }, 90_000);

  it('exits 2 and says what is wrong with a bad assertion or a missing file', async () => {
    const bad = await run([world, '--assert', 'p99 of everything < 1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read assertion');
    const missing = await run(['/nonexistent/world.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/world.json');
  });
});
