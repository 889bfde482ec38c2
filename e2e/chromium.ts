import { existsSync } from 'node:fs';

/** Debian's Chromium (Playwright cannot download its own browsers here). CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((path) => existsSync(path as string));
  if (!found) {
    throw new Error(
      "No Chromium found. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  return found as string;
}
