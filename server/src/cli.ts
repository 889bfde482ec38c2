// The command line: `node server/dist/cli.js export <world.json> [--no-observer] [--observer-port N]
// [--base-image IMAGE] [--image NAME] [--context DIR]` prints the world as a compose file on stdout. The world file is either a
// World or a saved record { id, rev, world } from data/worlds/.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isDnsLabel, validateWorld } from '@dw/world';
import { composeYaml } from './compose/compose-export.js';

const USAGE =
  'usage: node server/dist/cli.js export <world.json> [--no-observer] [--observer-port N] [--base-image IMAGE] [--image NAME] [--context DIR]';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const [command, file, ...rest] = process.argv.slice(2);
if (command !== 'export' || !file) fail(USAGE);

const options: {
  observer: boolean;
  observerPort?: number;
  baseImage?: string;
  image?: string;
  buildContext?: string;
} = { observer: true };
for (let i = 0; i < rest.length; i++) {
  const flag = rest[i];
  const value = () => rest[++i] ?? fail(`${flag} needs a value\n${USAGE}`);
  if (flag === '--no-observer') options.observer = false;
  else if (flag === '--observer-port') {
    const port = Number(value());
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--observer-port must be 1-65535`);
    options.observerPort = port;
  } else if (flag === '--base-image') options.baseImage = value();
  else if (flag === '--image') options.image = value();
  else if (flag === '--context') options.buildContext = value();
  else fail(`unknown option ${flag}\n${USAGE}`);
}

let parsed: unknown;
try {
  parsed = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  fail(`${file}: ${(error as Error).message}`);
}
const record = parsed as { id?: unknown; rev?: unknown; world?: unknown };
const isRecord = typeof record === 'object' && record !== null && 'world' in record;
const checked = validateWorld(isRecord ? record.world : parsed);
if (!checked.ok) {
  fail(
    `${file} is not a valid world:\n${checked.problems.map((p) => `  ${p.pointer || '/'}: ${p.message}`).join('\n')}`,
  );
}
const fallbackId = basename(file)
  .replace(/\.json$/, '')
  .toLowerCase()
  .replace(/[^a-z0-9-]+/g, '-')
  .replace(/^-+|-+$/g, '');
const worldId = isRecord && typeof record.id === 'string' ? record.id : fallbackId || 'world';
if (!isDnsLabel(worldId)) fail(`the world id "${worldId}" must be a DNS label: rename the file or pass a saved record`);
const rev = isRecord && typeof record.rev === 'number' ? record.rev : 1;
process.stdout.write(composeYaml({ worldId, rev, world: checked.value }, options));
