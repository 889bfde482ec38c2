// Test helper: a workspace package's esbuild bundles, rebuilt with the package's own build.mjs when one is missing
// or older than a source it inlines (its src/, its build script, and the src/ of every @dw/* package it depends
// on, transitively). A test run on its own right after an edit then runs the edited code, not the last build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of the files under `dir`, test files left out (they are never bundled). */
function newestUnder(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path));
    else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Every workspace package `packageDir` inlines: itself and its @dw/* dependencies, transitively. */
function workspaceClosure(packageDir: string, seen = new Set<string>()): Set<string> {
  const dir = realpathSync(packageDir);
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    if (name.startsWith('@dw/')) workspaceClosure(join(dir, 'node_modules', name), seen);
  }
  return seen;
}

/** Why `outputs` (paths relative to `packageDir`) need building, or null when they are up to date. */
export function staleBundles(packageDir: string, outputs: readonly string[]): string | null {
  const missing = outputs.filter((output) => !existsSync(join(packageDir, output)));
  if (missing.length > 0) return `${missing.join(', ')} missing`;
  const built = Math.min(...outputs.map((output) => statSync(join(packageDir, output)).mtimeMs));
  for (const dir of workspaceClosure(packageDir)) {
    const newest = Math.max(newestUnder(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs);
    const script = join(dir, 'build.mjs');
    if (Math.max(newest, existsSync(script) ? statSync(script).mtimeMs : 0) > built) {
      return `a source in ${dir} is newer than the bundle`;
    }
  }
  return null;
}

/** Builds the package's bundles (`node build.mjs` in `packageDir`) when they are missing or stale. */
export function ensureBundles(packageDir: string, outputs: readonly string[]): void {
  const why = staleBundles(packageDir, outputs);
  if (why === null) return;
  console.log(`[bundles] building ${packageDir}: ${why}`);
  execFileSync(process.execPath, ['build.mjs'], { cwd: packageDir, stdio: 'inherit' });
}
