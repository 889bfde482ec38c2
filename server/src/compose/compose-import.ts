// A compose file as a world: each service a node, depends_on / links / environment references to other
// services as links, laid out in layers. Whatever cannot be represented becomes a warning, never a failure;
// only text that is not YAML, YAML that is not a compose file, a file beyond the reading limits, or a world
// that does not validate is refused.
//
// The YAML is read in a worker thread (compose-yaml-worker.mjs), within limits on what it expands to, so that
// no file blocks the controller; everything after that is linear in what was read (no work per pair of services
// beyond MAX_SERVICES^2), and pure.
import { setImmediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import {
  type AnyKind,
  article,
  type Display,
  defaultConfig,
  type ImportWarning,
  isKnownKind,
  KIND_LIST,
  kindOf,
  type Link,
  MAX_LINKS,
  MAX_REPLICAS,
  MAX_SERVICES,
  OBSERVE_ENV,
  PKI_CONFIG_ENV,
  type Problem,
  RESTART_POLICIES,
  type RestartPolicy,
  type ServiceKind,
  SPAWN_CONFIG_ENV,
  validateWorld,
  type World,
  type WorldService,
} from '@dw/world';
import { HttpProblem } from '../http/errors.js';
import { backEdges } from './compose-export.js';
import { dropLinksKindsRefuse, turnConsumerLinks } from './compose-links.js';
import type { YamlLimits, YamlRead } from './compose-yaml-worker.mjs';
import { isHostReference } from './host-reference.js';

export interface ComposeImport {
  world: World;
  warnings: ImportWarning[];
  /** Where in the compose file a pointer into `world` comes from (a pointer that resolves in the file). */
  sourceOf(worldPointer: string): string;
}

/** What one compose file may cost to read: text, what it expands to, and the worker's time and memory. */
export interface ComposeLimits extends YamlLimits {
  timeMs: number;
  memoryMb: number;
}

/**
 * A 500-service compose file of the usual shape holds ~40,000 tokens and ~50,000 values; a 2 MiB body could
 * hold ten times that, and through aliases and merge keys any number.
 */
export const COMPOSE_LIMITS: ComposeLimits = {
  maxTokens: 100_000,
  maxValues: 100_000,
  maxChars: 8_000_000,
  maxDepth: 64,
  timeMs: 10_000,
  memoryMb: 256,
};

const WORKER_FILE = new URL('./compose-yaml-worker.mjs', import.meta.url);

/**
 * Reads compose YAML in worker threads: `concurrency` at once, up to `queue` more waiting (503 beyond), each
 * worker ended after `timeMs` (422) or when it needs more than `memoryMb` (413).
 */
export class ComposeYamlReader {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();

  constructor(
    readonly limits: ComposeLimits = COMPOSE_LIMITS,
    private readonly concurrency = 2,
    private readonly queue = 8,
  ) {}

  /** The compose file's data: a mapping with a "services" mapping in it. */
  async read(text: string): Promise<Json> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw new HttpProblem(
          503,
          'import-busy',
          `${this.running} compose files are being read and ${this.waiting.length} wait: try again in a few seconds`,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return composeRoot(await this.inWorker(text));
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Ends every worker still reading (the app is closing). */
  close(): void {
    for (const worker of this.workers) void worker.terminate();
  }

  private inWorker(text: string): Promise<unknown> {
    const { timeMs, memoryMb, ...limits } = this.limits;
    const worker = new Worker(WORKER_FILE, {
      workerData: { task: 'read-compose-yaml', text, limits },
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    this.workers.add(worker);
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.workers.delete(worker);
        void worker.terminate();
        outcome();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new HttpProblem(
                422,
                'compose-too-complex',
                `reading the compose file took longer than ${timeMs / 1000} s, the most this controller spends on one`,
              ),
            ),
          ),
        timeMs,
      );
      worker.once('message', (read: YamlRead) =>
        settle(() => (read.ok ? resolve(read.value) : reject(new HttpProblem(read.status, read.error, read.message)))),
      );
      worker.once('error', (error: Error & { code?: string }) =>
        settle(() =>
          reject(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new HttpProblem(
                  413,
                  'compose-too-large',
                  `reading the compose file needed more than ${memoryMb} MB of memory, the most this controller gives one`,
                )
              : error,
          ),
        ),
      );
      worker.once('exit', (code) =>
        settle(() => reject(new Error(`the compose reader ended (exit code ${code}) before it answered`))),
      );
    });
  }
}

const LAYER_DX = 260;
const ROW_DY = 130;
const TOP_KEYS_NOT_REPRESENTED = ['networks', 'volumes', 'secrets', 'configs'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const esc = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** A compose service name as a DNS label: lowercase, "_" and "." become "-", at most 63 characters. */
export function dnsLabelOf(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label.length > 0 ? label : 'service';
}

/** The data a compose file must be: a mapping with a "services" mapping in it. */
function composeRoot(value: unknown): Json {
  if (!isObject(value) || !isObject(value.services)) {
    throw new HttpProblem(400, 'not-compose', 'a compose file must be a mapping with a "services" mapping in it');
  }
  return value;
}

/** Compose reads `$$` as a literal `$` (a `${VARIABLE}` is left as written: the import has no environment). */
const literalOf = (value: string) => value.replaceAll('$$', '$');

interface EnvValue {
  value: string;
  /** Where it is in the environment: its index in a list, or its name in a mapping. */
  at: number | string;
}

/** `KEY=VALUE` list or mapping, as strings by name (the last one of a name wins, as in compose). */
function environmentOf(env: unknown): Map<string, EnvValue> {
  const out = new Map<string, EnvValue>();
  if (Array.isArray(env)) {
    env.forEach((item, index) => {
      if (typeof item !== 'string') return;
      const eq = item.indexOf('=');
      out.set(eq < 0 ? item : item.slice(0, eq), { value: eq < 0 ? '' : item.slice(eq + 1), at: index });
    });
  } else if (isObject(env)) {
    for (const [k, v] of Object.entries(env))
      out.set(k, { value: v === null || v === undefined ? '' : String(v), at: k });
  }
  return out;
}

/** Where an environment value is in the compose file. */
const envPointer = (service: string, value: EnvValue) =>
  `/services/${esc(service)}/environment/${typeof value.at === 'number' ? value.at : esc(value.at)}`;

function portOf(port: unknown): string | null {
  if (typeof port === 'string' || typeof port === 'number') return String(port);
  if (!isObject(port) || port.target === undefined) return null;
  let text = String(port.target);
  if (port.published !== undefined) text = `${port.published}:${text}`;
  if (typeof port.host_ip === 'string' && port.published !== undefined) text = `${port.host_ip}:${text}`;
  if (typeof port.protocol === 'string' && port.protocol !== 'tcp') text = `${text}/${port.protocol}`;
  return text;
}

/** The host port a compose `ports` entry publishes ("127.0.0.1:8080:80", "8080:80", { published: 8080 }). */
function publishedPortOf(port: unknown): number | null {
  if (isObject(port)) {
    const published = Number(port.published);
    return Number.isInteger(published) && published > 0 && published < 65536 ? published : null;
  }
  if (typeof port !== 'string' && typeof port !== 'number') return null;
  const parts = String(port).split('/')[0]!.split(':');
  if (parts.length < 2) return null;
  const published = Number(parts[parts.length - 2]);
  return Number.isInteger(published) && published > 0 && published < 65536 ? published : null;
}

/** The container port a compose `ports` entry publishes ("8080:80" -> 80, { target: 80 }), when it says one. */
function targetPortOf(port: unknown): number | null {
  const target = isObject(port)
    ? Number(port.target)
    : typeof port === 'string' || typeof port === 'number'
      ? Number(String(port).split('/')[0]!.split(':').pop())
      : Number.NaN;
  return Number.isInteger(target) && target > 0 && target < 65536 ? target : null;
}

// A hostname-like mention of a service name in a value: `http://api:8080`, `db`, `redis:6379`, `user@db/x`.
// A mention starts where a run of [A-Za-z0-9_.-] starts and ends where the text ends or at a character not in
// [A-Za-z0-9_-] (so `db.internal` mentions `db`). Every name is looked up at once in a trie of the names, so a
// value costs its length, whatever the number of services.
interface NameTrie {
  next: Map<number, NameTrie>;
  /** The entry whose name ends here. */
  entry?: number;
}
const inRun = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
const inName = (c: number) => inRun(c) && c !== 46;

function nameTrie(names: string[]): NameTrie {
  const root: NameTrie = { next: new Map() };
  names.forEach((name, entry) => {
    // Only names that could be hostnames can be mentioned.
    if (name.length === 0 || ![...name].every((ch) => inRun(ch.charCodeAt(0)))) return;
    let node = root;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      let child = node.next.get(c);
      if (!child) {
        child = { next: new Map() };
        node.next.set(c, child);
      }
      node = child;
    }
    node.entry ??= entry;
  });
  return root;
}

const NONE: number[] = [];

/** The entries whose names `value` mentions, in entry order. */
function mentionedIn(value: string, trie: NameTrie): number[] {
  let found: number[] = NONE;
  let i = 0;
  while (i < value.length) {
    if (!inRun(value.charCodeAt(i))) {
      i++;
      continue;
    }
    let node: NameTrie | undefined = trie;
    for (let j = i; j < value.length && node; j++) {
      node = node.next.get(value.charCodeAt(j));
      if (node?.entry !== undefined && (j + 1 === value.length || !inName(value.charCodeAt(j + 1)))) {
        if (found === NONE) found = [];
        if (!found.includes(node.entry)) found.push(node.entry);
      }
    }
    while (i < value.length && inRun(value.charCodeAt(i))) i++;
  }
  return found.length > 1 ? found.sort((a, b) => a - b) : found;
}

interface SpawnHints {
  kind: ServiceKind;
  behaviour: unknown;
  peers: { linkId: string; id: string; weight?: number }[];
  allowedCallers: Set<string>;
  worldId: string;
}

/**
 * The spawn config an exported service carries, when it is one of ours. Read loosely on purpose: its values are
 * taken as written and the world they make is validated as a whole (checkImportedWorld), so a bad value is
 * refused with a pointer into the compose file rather than dropped without a word.
 */
function spawnHintsOf(raw: string | undefined): SpawnHints | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(literalOf(raw)) as Json;
    // Only kinds a compose file can hold (an exported world's nodes).
    if (!isKnownKind(value.kind) || !kindOf(value.kind).facts.compose.runs || !Array.isArray(value.peers)) return null;
    const peers = (value.peers as Json[])
      .filter((p) => isObject(p) && typeof p.id === 'string' && typeof p.linkId === 'string')
      .map((p) => ({
        linkId: p.linkId as string,
        id: p.id as string,
        ...(typeof p.weight === 'number' ? { weight: p.weight } : {}),
      }));
    const allowedCallers = new Set(
      Array.isArray(value.allowedCallers) ? value.allowedCallers.filter((c): c is string => typeof c === 'string') : [],
    );
    const worldId = typeof value.worldId === 'string' ? value.worldId : '';
    return { kind: value.kind, behaviour: value.behaviour, peers, allowedCallers, worldId };
  } catch {
    return null;
  }
}

/**
 * Reads a compose file (in a worker of `reader`, within its limits) as a world. `options.name` names the world
 * unless the file is an exported world that carries its own name. The world is not validated here: see
 * checkImportedWorld.
 */
export async function worldFromCompose(
  text: string,
  options: { name?: string } = {},
  reader: ComposeYamlReader = new ComposeYamlReader(),
): Promise<ComposeImport> {
  const data = await reader.read(text);
  await setImmediate(); // taking the worker's answer in was one task; building the world is the next
  return worldFromComposeData(data, options);
}

/** The world of a compose file already read (a mapping with a "services" mapping). Pure. */
export function worldFromComposeData(root: Json, options: { name?: string } = {}): ComposeImport {
  const warnings: ImportWarning[] = [];
  const warn = (pointer: string, message: string) => warnings.push({ pointer, message });
  /** deploy.replicas (compose-spec), or the legacy `scale`: how many copies run; 1 when neither says. */
  const replicaCountOf = (spec: Json, at: string, kind: AnyKind): number => {
    const fromDeploy = isObject(spec.deploy) ? spec.deploy.replicas : undefined;
    const [value, where] =
      fromDeploy !== undefined ? [fromDeploy, `${at}/deploy/replicas`] : [spec.scale, `${at}/scale`];
    if (value === undefined) return 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      const got = isObject(value) ? 'a mapping' : Array.isArray(value) ? 'a list' : JSON.stringify(value).slice(0, 40);
      warn(where, `replicas must be a whole number, not ${got}: runs once`);
      return 1;
    }
    if (kind.facts.replicas !== true) {
      if (value !== 1) warn(where, `${kind.facts.replicas.why}: ${value} replicas left out`);
      return 1;
    }
    if (value > MAX_REPLICAS) {
      warn(where, `a service runs at most ${MAX_REPLICAS} replicas: ${value} became ${MAX_REPLICAS}`);
      return MAX_REPLICAS;
    }
    if (value === 0) {
      warn(where, '0 replicas: a world runs every service at least once, so it runs once');
      return 1;
    }
    return value;
  };
  for (const key of TOP_KEYS_NOT_REPRESENTED) {
    if (root[key] !== undefined) warn(`/${key}`, `top-level "${key}" is not represented in a world: left out`);
  }

  const services = root.services as Json;
  const marker = isObject(root['x-distributed-world']) ? root['x-distributed-world'] : undefined;
  const ids = new Map<string, string>(); // compose name -> node id
  const taken = new Set<string>();
  const entries: {
    name: string;
    id: string;
    spec: Json;
    env: Map<string, EnvValue>;
    hints: SpawnHints | null;
  }[] = [];
  for (const [name, rawSpec] of Object.entries(services)) {
    const at = `/services/${esc(name)}`;
    const spec = isObject(rawSpec) ? rawSpec : {};
    if (!isObject(rawSpec) && rawSpec !== null) {
      warn(at, `service "${name}" is not a mapping: imported as a plain service`);
    }
    const env = environmentOf(spec.environment);
    if (env.has(PKI_CONFIG_ENV) || env.has(OBSERVE_ENV)) {
      warn(at, `"${name}" is the identity issuer or observer of an exported world, not one of its services: left out`);
      continue;
    }
    // A process node's program, exported beside its sidecar in the sidecar's network: part of that node.
    const sharedWith =
      typeof spec.network_mode === 'string' && spec.network_mode.startsWith('service:')
        ? spec.network_mode.slice('service:'.length)
        : undefined;
    const sidecar = sharedWith !== undefined ? services[sharedWith] : undefined;
    if (isObject(sidecar) && environmentOf(sidecar.environment).has(SPAWN_CONFIG_ENV)) {
      warn(
        at,
        `"${name}" is the program of the process node "${sharedWith}" of an exported world (its image is in that node's config): left out`,
      );
      continue;
    }
    if (entries.length >= MAX_SERVICES) {
      warn(at, `a world holds at most ${MAX_SERVICES} services: "${name}" and the rest are left out`);
      break;
    }
    let id = dnsLabelOf(name);
    if (taken.has(id)) {
      const base = id.slice(0, 59);
      for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
    }
    if (id !== name) {
      const why =
        dnsLabelOf(name) === id ? 'is not a DNS label' : `normalises to "${dnsLabelOf(name)}", which is taken`;
      warn(at, `"${name}" ${why}: named "${id}"`);
    }
    taken.add(id);
    ids.set(name, id);
    entries.push({ name, id, spec, env, hints: spawnHintsOf(env.get(SPAWN_CONFIG_ENV)?.value) });
  }
  const byId = new Map(entries.map((e) => [e.id, e]));

  // Links: our own spawn config when there is one, else depends_on, links and environment references.
  const links: Link[] = [];
  /** Where each link comes from in the compose file. */
  const linkSources: string[] = [];
  const linked = new Set<string>();
  const linkIds = new Set<string>();
  let nextLink = 1;
  let linksFull = false;
  const addLink = (from: string, to: string, source: string, linkId?: string, deny = false, weight?: number) => {
    if (from === to && linkId === undefined) return;
    const key = `${from}\n${to}`;
    if (linked.has(key) && linkId === undefined) return;
    if (links.length >= MAX_LINKS) {
      if (!linksFull) warn(source, `a world holds at most ${MAX_LINKS} links: this one and the rest are left out`);
      linksFull = true;
      return;
    }
    linked.add(key);
    let id = linkId && !linkIds.has(linkId) ? linkId : `l${nextLink}`;
    while (linkIds.has(id)) id = `l${++nextLink}`;
    if (!linkId) nextLink++;
    linkIds.add(id);
    links.push({
      id,
      from,
      to,
      ...(deny ? { policy: 'deny' as const } : {}),
      ...(weight !== undefined && weight !== 1 ? { weight } : {}),
    });
    linkSources.push(source);
  };
  const target = (at: string, name: string, how: string): string | null => {
    const id = ids.get(name);
    if (id === undefined) warn(at, `${how} "${name}", which is not a service of this file: no link`);
    return id ?? null;
  };

  const trie = nameTrie(entries.map((e) => e.name));
  for (const { name, id, spec, env, hints } of entries) {
    const at = `/services/${esc(name)}`;
    if (hints) {
      const source = envPointer(name, env.get(SPAWN_CONFIG_ENV)!);
      for (const peer of hints.peers) {
        const to = ids.get(peer.id) ?? null;
        // A route the callee does not allow is a deny link.
        const callee = to === null ? undefined : byId.get(to)?.hints;
        const deny = !!callee && !callee.allowedCallers.has(`spiffe://${hints.worldId}/${name}`);
        if (to) addLink(id, to, source, peer.linkId, deny, peer.weight);
        else warn(at, `its spawn config calls "${peer.id}", which is not a service of this file: no link`);
      }
      continue;
    }
    const dependsOn = spec.depends_on;
    const deps = Array.isArray(dependsOn) ? dependsOn : isObject(dependsOn) ? Object.keys(dependsOn) : [];
    for (const dep of deps) {
      const to = typeof dep === 'string' ? target(`${at}/depends_on`, dep, 'depends on') : null;
      if (to) addLink(id, to, `${at}/depends_on`);
    }
    if (Array.isArray(spec.links)) {
      for (const entry of spec.links) {
        const dep = typeof entry === 'string' ? entry.split(':')[0]! : '';
        const to = dep ? target(`${at}/links`, dep, 'links to') : null;
        if (to) addLink(id, to, `${at}/links`);
      }
    }
    // only host-like values (*_HOST, *_URL, host:port, URLs): POSTGRES_DB=gitea names no service
    for (const [key, value] of env) {
      for (const other of mentionedIn(value.value, trie)) {
        const callee = entries[other]!;
        if (callee.name !== name && isHostReference(key, value.value, callee.name)) {
          addLink(id, callee.id, envPointer(name, value));
        }
      }
    }
    if (spec.env_file !== undefined) {
      warn(`${at}/env_file`, 'env_file is not read: references to other services in it do not become links');
    }
    if (spec.profiles !== undefined) {
      warn(`${at}/profiles`, 'profiles are not represented: the service is a node whatever profile is active');
    }
    for (const key of ['extends', 'network_mode', 'volumes_from'] as const) {
      if (spec[key] !== undefined) warn(`${at}/${key}`, `"${key}" is not represented in a world: left out`);
    }
    if (isObject(spec.deploy)) {
      for (const key of Object.keys(spec.deploy)) {
        if (key !== 'replicas') warn(`${at}/deploy/${key}`, `"deploy.${key}" is not represented in a world: left out`);
      }
    } else if (spec.deploy !== undefined) {
      warn(`${at}/deploy`, '"deploy" is not a mapping: left out');
    }
  }

  // A broker's consumers (a worker...) are what it delivers to: their links go the other way.
  turnConsumerLinks(
    links,
    entries.map(({ name, id, spec, hints }) => ({
      name,
      id,
      image: typeof spec.image === 'string' ? spec.image : '',
      ours: hints !== null,
    })),
    warn,
    (name) => `/services/${esc(name)}`,
  );

  // Kinds: our own when exported by us; else an entry point (calls others, called by none) is a client.
  const called = new Set(links.map((l) => l.to));
  const calls = new Set(links.map((l) => l.from));
  // An exported world's own layout: each node where it was drawn (when every node has its place).
  const markerNodes = marker && isObject(marker.nodes) ? (marker.nodes as Json) : undefined;
  let placed = 0;
  const nodes: WorldService[] = entries.map(({ name, id, spec, hints }) => {
    const display: Display = {};
    // our own services run our image: what they show comes from x-distributed-world instead
    if (typeof spec.image === 'string' && !hints) display.image = literalOf(spec.image).slice(0, 300);
    if (Array.isArray(spec.ports) && !hints) {
      const ports = spec.ports.map(portOf).filter((p): p is string => p !== null);
      if (ports.length > 0) display.ports = ports.slice(0, 64).map((p) => literalOf(p).slice(0, 100));
    }
    const image = typeof spec.image === 'string' ? literalOf(spec.image) : '';
    const byImage = image ? KIND_LIST.find((k) => k.composeImages?.test(image)) : undefined;
    const published = (Array.isArray(spec.ports) ? spec.ports : []).flatMap((p) => {
      const port = publishedPortOf(p);
      return port === null ? [] : [port];
    });
    const targets = (Array.isArray(spec.ports) ? spec.ports : []).flatMap((p) => {
      const port = publishedPortOf(p) === null ? null : targetPortOf(p);
      return port === null ? [] : [port];
    });
    const entryPoint = calls.has(id) && !called.has(id);
    // A program of the person's own (an image or a build, serving on a published port): a process node runs it.
    const ownProgram =
      !hints && !byImage && !entryPoint && (image !== '' || spec.build !== undefined) && published.length > 0;
    const kind = kindOf(hints?.kind ?? byImage?.kind ?? (ownProgram ? 'process' : entryPoint ? 'client' : 'service'));
    if (ownProgram) {
      warn(
        `/services/${esc(name)}`,
        image !== ''
          ? `"${name}" became a process: its program is the image "${image}", run here with docker on $PORT (change its command to run it another way)`
          : `"${name}" became a process: it is built from source, so say in its command how it runs here (on 127.0.0.1:$PORT)`,
      );
    }
    if (!hints && byImage) {
      const why = kind.composeImagesAre ? `: it is one of the ${kind.composeImagesAre}` : '';
      warn(
        `/services/${esc(name)}/image`,
        `"${image}" became ${article(kind.kind)}${why} (${kind.summary}); what the image does beyond that is not modelled`,
      );
    }
    const withDisplay = Object.keys(display).length > 0 && 'display' in kind.node.properties ? { display } : {};
    const position = { x: 0, y: 0 };
    const replicas = replicaCountOf(spec, `/services/${esc(name)}`, kind);
    const config =
      hints?.kind === kind.kind && isObject(hints.behaviour)
        ? (kind.fromExportedBehaviour?.(hints.behaviour) ?? hints.behaviour)
        : (byImage || ownProgram) && kind.fromCompose
          ? kind.fromCompose({ image, publishedPorts: published, targetPorts: targets })
          : defaultConfig(kind.kind);
    const restart = restartFrom(spec.restart, `/services/${esc(name)}/restart`, kind, warn);
    const extras = isObject(markerNodes?.[id]) ? (markerNodes[id] as Json) : undefined;
    if (extras && typeof extras.x === 'number' && typeof extras.y === 'number') {
      Object.assign(position, { x: extras.x, y: extras.y });
      placed++;
    }
    const markedDisplay =
      hints && extras && isObject(extras.display) && 'display' in kind.node.properties
        ? { display: extras.display }
        : {};
    return {
      id,
      kind: kind.kind,
      position,
      config,
      ...(replicas > 1 ? { replicas } : {}),
      ...(restart !== undefined ? { restart } : {}),
      ...withDisplay,
      ...markedDisplay,
    } as WorldService;
  });

  // An exported world's own name first, then the caller's, then a placeholder.
  const fromMarker = !!marker && typeof marker.name === 'string' && marker.name.length > 0;
  const name = fromMarker ? literalOf(marker.name as string) : (options.name ?? 'imported');
  // The links the kinds of their ends allow (none from a store, none to a gateway), each with its source.
  const kept = dropLinksKindsRefuse(
    links,
    nodes,
    warn,
    (i) => linkSources[i] ?? '',
    (link) => !!byId.get(link.from)?.hints,
  );
  const keptSources = kept.map((i) => linkSources[i]!);
  const world: World = { version: 1, name: name.slice(0, 100), services: nodes, links: kept.map((i) => links[i]!) };
  if (placed < nodes.length) layOut(world);
  // An exported world's settings and scenarios, as written (validated with the world, pointing here).
  if (marker && isObject(marker.settings)) world.settings = marker.settings as World['settings'];
  if (marker && Array.isArray(marker.scenarios)) world.scenarios = marker.scenarios as World['scenarios'];
  if (marker && Array.isArray(marker['left-out'])) {
    (marker['left-out'] as unknown[]).forEach((entry, i) => {
      if (typeof entry === 'string') {
        warn(
          `/x-distributed-world/left-out/${i}`,
          `${entry.slice(0, 200)}: it was not exported, so it is not in this world`,
        );
      }
    });
  }

  const serviceSources = entries.map((e) => `/services/${esc(e.name)}`);
  const configSources = entries.map((e, i) =>
    e.hints ? envPointer(e.name, e.env.get(SPAWN_CONFIG_ENV)!) : serviceSources[i]!,
  );
  const sourceOf = (worldPointer: string): string => {
    const [, top, index, field] = worldPointer.split('/');
    const at = Number(index);
    if (top === 'name') return fromMarker ? '/x-distributed-world/name' : '';
    if (top === 'services' && Number.isInteger(at) && serviceSources[at] !== undefined) {
      return field === 'config' ? configSources[at]! : serviceSources[at]!;
    }
    if (top === 'links' && Number.isInteger(at) && keptSources[at] !== undefined) return keptSources[at]!;
    if ((top === 'scenarios' || top === 'settings') && marker) return `/x-distributed-world${worldPointer}`;
    if (top === 'services' && field === 'restart' && serviceSources[at] !== undefined) {
      return `${serviceSources[at]}/restart`;
    }
    return '';
  };
  return { world, warnings, sourceOf };
}

/**
 * A compose `restart:` as the world's policy, for a kind that has one. "unless-stopped" becomes "always" (a world's
 * service stops only when the world does); "no", the world's default, is left unsaid.
 */
function restartFrom(
  value: unknown,
  at: string,
  kind: AnyKind,
  warn: (pointer: string, message: string) => void,
): RestartPolicy | undefined {
  if (value === undefined || value === null || value === false) return undefined; // YAML 1.1's bare `no`
  if (!('restart' in kind.node.properties)) {
    warn(at, `${article(kind.kind)} has no restart policy: "restart" left out`);
    return undefined;
  }
  const policy = typeof value === 'string' ? value.split(':')[0] : undefined; // on-failure:3 -> on-failure
  if (policy === 'unless-stopped') return 'always';
  if (policy === 'no') return undefined;
  if (policy !== undefined && (RESTART_POLICIES as readonly string[]).includes(policy)) return policy as RestartPolicy;
  warn(
    at,
    `restart must be one of no, on-failure, always, unless-stopped, not ${JSON.stringify(value).slice(0, 40)}: not restarted`,
  );
  return undefined;
}

/**
 * The imported world checked by the validator of POST /api/worlds: the world as typed, or a 400 invalid-world
 * whose problems point into the compose file (each message names the place in the world it would have made).
 */
export function checkImportedWorld(imported: ComposeImport): World {
  const checked = validateWorld(imported.world);
  if (checked.ok) return checked.value;
  const problems: Problem[] = checked.problems.map((p) => ({
    pointer: imported.sourceOf(p.pointer),
    message: `${p.pointer || '/'} of the world it makes: ${p.message}`,
  }));
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return invalid(`${first.pointer || '(the file)'}: ${first.message}${more}`, problems);
}

function invalid(summary: string, problems: Problem[]): never {
  throw new HttpProblem(400, 'invalid-world', `the compose file makes a world that is not valid: ${summary}`, problems);
}

/** Layers from the entry points: a node sits one layer right of its deepest caller (cycles cut at back-edges). */
export function layOut(world: World): void {
  const back = backEdges(world);
  const forward = world.links.filter((l) => !back.has(l.id) && l.from !== l.to);
  const layer = new Map(world.services.map((s) => [s.id, 0]));
  // Longest path in a DAG: relax edges |V| times at most (small worlds; bounded by MAX_SERVICES).
  for (let round = 0; round < world.services.length; round++) {
    let changed = false;
    for (const l of forward) {
      const next = (layer.get(l.from) ?? 0) + 1;
      if (next > (layer.get(l.to) ?? 0)) {
        layer.set(l.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  const counts = new Map<number, number>();
  for (const s of world.services) counts.set(layer.get(s.id)!, (counts.get(layer.get(s.id)!) ?? 0) + 1);
  for (const s of world.services) {
    const l = layer.get(s.id)!;
    const row = rows.get(l) ?? 0;
    rows.set(l, row + 1);
    s.position = { x: l * LAYER_DX, y: (row - ((counts.get(l) ?? 1) - 1) / 2) * ROW_DY };
  }
}
