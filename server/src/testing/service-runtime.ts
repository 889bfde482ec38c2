// Test helper: the service runtime bundle that the controller forks. The services package owns it; when it is
// missing or older than a source it inlines, it is built with the package's own script (ensureBundles).
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundles } from './bundles.js';

export function ensureServiceRuntime(): string {
  // server/node_modules/@dw/services is the workspace link to services/
  const servicesDir = realpathSync(fileURLToPath(new URL('../../node_modules/@dw/services', import.meta.url)));
  ensureBundles(servicesDir, ['dist/main.js']);
  return join(servicesDir, 'dist', 'main.js');
}
