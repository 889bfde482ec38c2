// A compose file as a world: each service a node, depends_on / links / environment references to other
// services as links, laid out in layers. Whatever cannot be represented becomes a warning, never a failure;
// only text that is not YAML, or YAML that is not a compose file, is refused. Pure: no I/O.
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
  MAX_REPLICAS,
  MAX_SERVICES,
  OBSERVE_ENV,
  PKI_CONFIG_ENV,
  type ServiceKind,
  SPAWN_CONFIG_ENV,
  type World,
  type WorldService,
} from '@dw/world';
import { parseDocument } from 'yaml';
import { HttpProblem } from '../http/errors.js';
import { backEdges } from './compose-export.js';
import { dropLinksKindsRefuse, turnConsumerLinks } from './compose-links.js';
import { isHostReference } from './host-reference.js';

export interface ComposeImport {
  world: World;
  warnings: ImportWarning[];
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

/** Parses the text; malformed YAML is a 400 that says what and where (line and column). */
export function parseComposeText(text: string): Json {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const at = first.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    throw new HttpProblem(
      400,
      'malformed-yaml',
      `the compose file is not valid YAML${where}: ${first.message.split('\n')[0]}`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10_000 });
  } catch (error) {
    throw new HttpProblem(400, 'malformed-yaml', `the compose file cannot be read: ${(error as Error).message}`);
  }
  if (!isObject(value) || !isObject(value.services)) {
    throw new HttpProblem(400, 'not-compose', 'a compose file must be a mapping with a "services" mapping in it');
  }
  return value;
}

/** `KEY=VALUE` list or mapping, as a mapping of strings. */
function environmentOf(env: unknown): Record<string, string> {
  if (Array.isArray(env)) {
    const out: Record<string, string> = {};
    for (const item of env) {
      if (typeof item !== 'string') continue;
      const eq = item.indexOf('=');
      out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
    }
    return out;
  }
  if (isObject(env)) {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
  }
  return {};
}

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

interface SpawnHints {
  kind: ServiceKind;
  behaviour: unknown;
  peers: { linkId: string; id: string }[];
  allowedCallers: string[];
  worldId: string;
}

/** The spawn config an exported service carries, when it is one of ours. */
function spawnHintsOf(env: Record<string, string>): SpawnHints | null {
  const raw = env[SPAWN_CONFIG_ENV];
  if (!raw) return null;
  try {
    const value = JSON.parse(raw.replaceAll('$$', '$')) as Json;
    // Only kinds a compose file can hold (an exported world's nodes).
    if (!isKnownKind(value.kind) || !kindOf(value.kind).facts.compose.runs || !Array.isArray(value.peers)) return null;
    const peers = (value.peers as Json[])
      .filter((p) => isObject(p) && typeof p.id === 'string' && typeof p.linkId === 'string')
      .map((p) => ({ linkId: p.linkId as string, id: p.id as string }));
    const allowedCallers = Array.isArray(value.allowedCallers)
      ? value.allowedCallers.filter((c): c is string => typeof c === 'string')
      : [];
    const worldId = typeof value.worldId === 'string' ? value.worldId : '';
    return { kind: value.kind, behaviour: value.behaviour, peers, allowedCallers, worldId };
  } catch {
    return null;
  }
}

/** `options.name` names the world unless the file is an exported world that carries its own name. */
export function worldFromCompose(text: string, options: { name?: string } = {}): ComposeImport {
  const root = parseComposeText(text);
  const warnings: ImportWarning[] = [];
  const warn = (pointer: string, message: string) => warnings.push({ pointer, message });
  /** deploy.replicas (compose-spec), or the legacy `scale`: how many copies run; 1 when neither says. */
  const replicaCountOf = (spec: Json, at: string, kind: AnyKind): number => {
    const fromDeploy = isObject(spec.deploy) ? spec.deploy.replicas : undefined;
    const [value, where] =
      fromDeploy !== undefined ? [fromDeploy, `${at}/deploy/replicas`] : [spec.scale, `${at}/scale`];
    if (value === undefined) return 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      warn(where, `replicas must be a whole number, not ${JSON.stringify(value)}: runs once`);
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
  const entries: { name: string; id: string; spec: Json; env: Record<string, string>; hints: SpawnHints | null }[] = [];
  for (const [name, rawSpec] of Object.entries(services)) {
    const at = `/services/${esc(name)}`;
    const spec = isObject(rawSpec) ? rawSpec : {};
    if (!isObject(rawSpec) && rawSpec !== null) {
      warn(at, `service "${name}" is not a mapping: imported as a plain service`);
    }
    const env = environmentOf(spec.environment);
    if (env[PKI_CONFIG_ENV] !== undefined || env[OBSERVE_ENV] !== undefined) {
      warn(at, `"${name}" is the identity issuer or observer of an exported world, not one of its services: left out`);
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
    entries.push({ name, id, spec, env, hints: spawnHintsOf(env) });
  }

  // Links: our own spawn config when there is one, else depends_on, links and environment references.
  const links: Link[] = [];
  const linked = new Set<string>();
  let nextLink = 1;
  const addLink = (from: string, to: string, linkId?: string, deny = false) => {
    if (from === to && linkId === undefined) return;
    const key = `${from}\n${to}`;
    if (linked.has(key) && linkId === undefined) return;
    linked.add(key);
    let id = linkId && !links.some((l) => l.id === linkId) ? linkId : `l${nextLink}`;
    while (links.some((l) => l.id === id)) id = `l${++nextLink}`;
    if (!linkId) nextLink++;
    links.push(deny ? { id, from, to, policy: 'deny' } : { id, from, to });
  };
  const target = (at: string, name: string, how: string): string | null => {
    const id = ids.get(name);
    if (id === undefined) warn(at, `${how} "${name}", which is not a service of this file: no link`);
    return id ?? null;
  };

  for (const { name, id, spec, env, hints } of entries) {
    const at = `/services/${esc(name)}`;
    if (hints) {
      for (const peer of hints.peers) {
        const to = ids.get(peer.id) ?? null;
        // A route the callee does not allow is a deny link.
        const callee = entries.find((e) => e.id === to)?.hints;
        const deny = !!callee && !callee.allowedCallers.includes(`spiffe://${hints.worldId}/${name}`);
        if (to) addLink(id, to, peer.linkId, deny);
        else warn(at, `its spawn config calls "${peer.id}", which is not a service of this file: no link`);
      }
      continue;
    }
    const dependsOn = spec.depends_on;
    const deps = Array.isArray(dependsOn) ? dependsOn : isObject(dependsOn) ? Object.keys(dependsOn) : [];
    for (const dep of deps) {
      const to = typeof dep === 'string' ? target(`${at}/depends_on`, dep, 'depends on') : null;
      if (to) addLink(id, to);
    }
    if (Array.isArray(spec.links)) {
      for (const entry of spec.links) {
        const dep = typeof entry === 'string' ? entry.split(':')[0]! : '';
        const to = dep ? target(`${at}/links`, dep, 'links to') : null;
        if (to) addLink(id, to);
      }
    }
    // only host-like values (*_HOST, *_URL, host:port, URLs): POSTGRES_DB=gitea names no service
    for (const [key, value] of Object.entries(env)) {
      for (const other of entries) {
        if (other.name !== name && isHostReference(key, value, other.name)) addLink(id, other.id);
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
  const nodes: WorldService[] = entries.map(({ name, id, spec, hints }) => {
    const display: Display = {};
    if (typeof spec.image === 'string') display.image = spec.image.slice(0, 300);
    if (Array.isArray(spec.ports)) {
      const ports = spec.ports.map(portOf).filter((p): p is string => p !== null);
      if (ports.length > 0) display.ports = ports.slice(0, 64).map((p) => p.slice(0, 100));
    }
    const image = typeof spec.image === 'string' ? spec.image : '';
    const byImage = image ? KIND_LIST.find((k) => k.composeImages?.test(image)) : undefined;
    const kind = kindOf(hints?.kind ?? byImage?.kind ?? (calls.has(id) && !called.has(id) ? 'client' : 'service'));
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
    const published = (Array.isArray(spec.ports) ? spec.ports : []).flatMap((p) => {
      const port = publishedPortOf(p);
      return port === null ? [] : [port];
    });
    const config =
      hints?.kind === kind.kind && isObject(hints.behaviour)
        ? hints.behaviour
        : byImage && kind.fromCompose
          ? kind.fromCompose({ image, publishedPorts: published })
          : defaultConfig(kind.kind);
    return {
      id,
      kind: kind.kind,
      position,
      config,
      ...(replicas > 1 ? { replicas } : {}),
      ...withDisplay,
    } as WorldService;
  });

  // An exported world's own name first, then the caller's, then a placeholder.
  const name =
    marker && typeof marker.name === 'string' && marker.name.length > 0 ? marker.name : (options.name ?? 'imported');
  const allowed = dropLinksKindsRefuse(links, nodes, warn, (id) => {
    const entry = entries.find((e) => e.id === id);
    return `/services/${esc(entry?.name ?? id)}`;
  });
  const world: World = { version: 1, name: name.slice(0, 100), services: nodes, links: allowed };
  layOut(world);
  return { world, warnings };
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
