// Test helper: the service runtime bundle that the controller forks. The services package owns it; when it
// has not been built yet, build it with its own script.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function ensureServiceRuntime(): string {
  // server/node_modules/@dw/services is the workspace link to services/
  const servicesDir = realpathSync(fileURLToPath(new URL('../../node_modules/@dw/services', import.meta.url)));
  const main = join(servicesDir, 'dist', 'main.js');
  if (!existsSync(main)) {
    execFileSync(process.execPath, [join(servicesDir, 'build.mjs')], { cwd: servicesDir, stdio: 'inherit' });
  }
  return main;
}
