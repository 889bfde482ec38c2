// Makes sure the pinned pnpm and the workspace's dependencies are there, on a machine that has only Node and npm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const localPnpm = join(root, '.tools', 'node_modules', '.bin', 'pnpm');

function versionOf(command) {
  const result = spawnSync(command, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, COREPACK_ENABLE_STRICT: '0' },
  });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** The path of a pnpm at exactly the pinned version, installing it under .tools/ with npm when needed. */
export function ensurePnpm() {
  if (versionOf('pnpm') === pinned) return 'pnpm';
  if (existsSync(localPnpm) && versionOf(localPnpm) === pinned) return localPnpm;
  console.log(`[setup] installing pnpm ${pinned} into .tools/ with npm`);
  execFileSync('npm', ['install', '--prefix', join(root, '.tools'), '--no-audit', '--no-fund', `pnpm@${pinned}`], {
    stdio: 'inherit',
  });
  return localPnpm;
}

/** Installs the workspace's dependencies when node_modules is missing or older than the lockfile. */
export function ensureDependencies(pnpm) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  console.log('[setup] installing dependencies with pnpm');
  run(pnpm, ['install', '--frozen-lockfile']);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

export function runOrExit(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) process.exit(status);
}

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path) => path && existsSync(path));
}

/**
 * Debian's Chromium (Playwright cannot download its own browsers here): its path, installed with apt-get when
 * missing and running as root. `who` runs in it and `again` is the command to run once it is there (for the error).
 */
export function ensureChromium(who, again) {
  const found = findChromium();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('[setup] installing Debian chromium with apt-get (Playwright cannot download browsers here)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(
    `${who} in Chromium, and none was found. Install it (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) ` +
      `or point CHROMIUM_PATH at a Chromium binary, then run \`${again}\` again.`,
  );
}
