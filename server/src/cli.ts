// The command line: `node server/dist/cli.js export <world.json> [--engine compose|swarm|kubernetes] [options]`
// prints the world as a compose file (default), a swarm stack file or Kubernetes manifests on stdout. The world
// file is either a World or a saved record { id, rev, world } from data/worlds/.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isDnsLabel, validateWorld } from '@dw/world';
import { composeYaml } from './compose/compose-export.js';
import { swarmYaml } from './compose/swarm-export.js';
import { KubernetesExportError, kubernetesYaml } from './kubernetes/kubernetes-export.js';

const ENGINES = ['compose', 'swarm', 'kubernetes'] as const;
type Engine = (typeof ENGINES)[number];

const USAGE = [
  'usage: node server/dist/cli.js export <world.json> [--engine compose|swarm|kubernetes] [--no-observer]',
  '         [--observer-port N] [--image NAME]',
  '         compose only: [--base-image IMAGE] [--context DIR]',
  '         kubernetes only: [--namespace NAME] [--storage-class NAME]',
].join('\n');

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const [command, file, ...rest] = process.argv.slice(2);
if (command !== 'export' || !file) fail(USAGE);

let engine: Engine = 'compose';
const options: {
  observer: boolean;
  observerPort?: number;
  baseImage?: string;
  image?: string;
  buildContext?: string;
  namespace?: string;
  storageClassName?: string;
} = { observer: true };
/** Which engine each engine-specific flag belongs to, to refuse it elsewhere. */
const only: [string, Engine][] = [];
for (let i = 0; i < rest.length; i++) {
  const flag = rest[i] as string;
  const value = () => rest[++i] ?? fail(`${flag} needs a value\n${USAGE}`);
  if (flag === '--no-observer') options.observer = false;
  else if (flag === '--engine') {
    const given = value();
    if (!(ENGINES as readonly string[]).includes(given))
      fail(`--engine must be one of ${ENGINES.join(', ')}, not "${given}"`);
    engine = given as Engine;
  } else if (flag === '--observer-port') {
    const port = Number(value());
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--observer-port must be 1-65535`);
    options.observerPort = port;
  } else if (flag === '--image') options.image = value();
  else if (flag === '--base-image') {
    options.baseImage = value();
    only.push([flag, 'compose']);
  } else if (flag === '--context') {
    options.buildContext = value();
    only.push([flag, 'compose']);
  } else if (flag === '--namespace') {
    options.namespace = value();
    only.push([flag, 'kubernetes']);
  } else if (flag === '--storage-class') {
    options.storageClassName = value();
    only.push([flag, 'kubernetes']);
  } else fail(`unknown option ${flag}\n${USAGE}`);
}
for (const [flag, wanted] of only) {
  if (wanted !== engine) fail(`${flag} is for --engine ${wanted}, not ${engine}`);
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
const input = { worldId, rev, world: checked.value };
try {
  process.stdout.write(
    engine === 'swarm'
      ? swarmYaml(input, options)
      : engine === 'kubernetes'
        ? kubernetesYaml(input, options)
        : composeYaml(input, options),
  );
} catch (error) {
  if (error instanceof KubernetesExportError) fail(`${file}: ${error.message}`);
  throw error;
}
