// A world as a compose file that a real Docker engine runs: one image built from this repository, every service
// configured only through its environment (the same DW_SPAWN_CONFIG the local runtime gets), identities issued
// when the deployment comes up by a pki service, and an optional read-only observer that shows the live view.
// Pure: no I/O. What it writes holds no private key; keys exist only in the volumes the pki service fills.
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_RESTART_POLICY,
  isDurable,
  kindOf,
  leafLifetimeMsOf,
  restartOf as nodeRestart,
  OBSERVE_ENV,
  type ObserveConfig,
  PKI_CONFIG_ENV,
  type PkiConfig,
  replicasOf as replicaCountOf,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
  type World,
} from '@dw/world';
import { stringify } from 'yaml';
import { spawnConfigs } from '../deploy/plan.js';
import { LOOPBACK_NAMES } from '../http/access-guard.js';

/** Where each service listens inside its container, and where its peers reach it. */
export const COMPOSE_SERVICE_PORT = 8443;
export const OBSERVER_PORT = 4400;
/** Where the dw-pki service serves POST /renew (mTLS) on the compose network. */
export const ISSUER_PORT = 8444;
/** Where the observer is published on the host by default: beside, not on, the local controller's 4400. */
export const OBSERVER_HOST_PORT = 4401;
export const DEFAULT_IMAGE = 'distributed-world:latest';
/** Where the image keeps the bundles (see the Dockerfile). */
export const APP_DIR = '/app';
export const IDENTITY_DIR = '/identity';
/** Where a node that keeps data (a queue, a store) keeps it in its container: its own named volume. */
export const DATA_DIR = '/data';
export const TELEMETRY_INTERVAL_MS = 250;

export interface ComposeExportOptions {
  /**
   * A process node's program runs as a container of its own sharing its sidecar's network (compose's
   * `network_mode: service:<sidecar>`); false (engines without it: swarm, Kubernetes) leaves process nodes out.
   * Default true.
   */
  programs?: boolean;
  /** The image every container runs (built from this repository by the pki service's build section). */
  image?: string;
  /** The build context, relative to the compose file: the repository root. null leaves the build section out. */
  buildContext?: string | null;
  /** The Dockerfile's BASE_IMAGE build argument; the Dockerfile defaults to node:20. */
  baseImage?: string;
  /** Include the observer (default true). */
  observer?: boolean;
  /** The port the observer's UI is published on, on 127.0.0.1 only (default 4401). */
  observerPort?: number;
  /** The telemetry secret shared by the services and the observer; random when not given. */
  token?: string;
  /** The observer's API token (it listens beyond loopback in its container, so it runs in remote mode). */
  observerToken?: string;
}

export interface ComposeExportInput {
  worldId: string;
  rev: number;
  world: World;
}

type ComposeService = Record<string, unknown>;

/**
 * Compose interpolates `$` in every string value of the file, extension fields (x-...) included: `$X` and `${X}`
 * become a variable of the environment `up` runs in, and `${X:?message}` stops `up`. So every string written is
 * escaped at the end, in one place: each `$` becomes `$$`, which compose reads as a literal `$`. Keys are not
 * interpolated (and ours are ids and fixed names).
 */
export function escapeInterpolation<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(escapeInterpolation) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeInterpolation(v)])) as T;
  }
  return value;
}

/** A name for an added service that no world service has (world ids are DNS labels, so "dw-pki" could be one). */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/**
 * Links that close a cycle (found by a depth-first walk in the world's order): their callers get no depends_on
 * on the callee, so compose can order the rest, and they retry until the callee answers.
 */
export function backEdges(world: World): Set<string> {
  const out = new Map<string, { id: string; to: string }[]>();
  for (const l of world.links) {
    const edges = out.get(l.from);
    if (edges) edges.push({ id: l.id, to: l.to });
    else out.set(l.from, [{ id: l.id, to: l.to }]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<string>();
  const visit = (node: string) => {
    state.set(node, 'open');
    for (const edge of out.get(node) ?? []) {
      const seen = state.get(edge.to);
      if (seen === 'open') back.add(edge.id);
      else if (seen === undefined) visit(edge.to);
    }
    state.set(node, 'done');
  };
  // Start from services nobody calls (clients, usually), then whatever is left.
  const called = new Set(world.links.map((l) => l.to));
  for (const s of world.services) if (!called.has(s.id) && !state.has(s.id)) visit(s.id);
  for (const s of world.services) if (!state.has(s.id)) visit(s.id);
  return back;
}

/** How long a service waits for a valid leaf from dw-pki before it gives up (and its restart policy decides). */
export const IDENTITY_WAIT_MS = 180_000;

/**
 * The command of a world service: wait for a leaf in /identity that is not expired (dw-pki writes tls.crt last,
 * and replaces an expired one within seconds), then load the service runtime in the same process. So a service
 * that starts late (a slow `up`, a swarm with no start order) never runs with a leaf it cannot renew. No `$` in
 * it (compose interpolation).
 */
export function waitForIdentityCommand(waitMs = IDENTITY_WAIT_MS): string[] {
  const script = [
    "const fs=require('fs'),{X509Certificate}=require('crypto');const t0=Date.now();",
    "const ok=()=>{try{return Date.parse(new X509Certificate(fs.readFileSync('/identity/tls.crt')).validTo)>Date.now()}catch{return false}};",
    `(function wait(){if(ok())return import('${APP_DIR}/services/dist/main.js');`,
    `if(Date.now()-t0>${waitMs}){console.error('[dw] no valid leaf in /identity after ${waitMs / 1000} s: is dw-pki up?');process.exit(2)}`,
    'setTimeout(wait,250)})()',
  ].join('');
  return ['node', '-e', script];
}

/** A healthcheck run by the image's node: exit 0 once something accepts TCP connections on the port. */
function tcpHealthcheck(port: number) {
  const script = `require('net').connect(${port},'127.0.0.1').on('connect',function(){this.end();process.exit(0)}).on('error',function(){process.exit(1)})`;
  return { test: ['CMD', 'node', '-e', script], interval: '2s', timeout: '3s', retries: 30, start_period: '5s' };
}

/** What every container engine's export shares: the world that runs in containers and each one's spawn config. */
export interface ContainerPlan {
  /** The world without the kinds containers cannot hold (intruders), nor their links. */
  world: World;
  /** What was left out, and why. */
  leftOut: { id: string; why: string }[];
  /** The world's node ids that run, in order. */
  ids: string[];
  /** Each node's spawn config: listens on 0.0.0.0:8443, peers at https://<id>:8443, identity in /identity. */
  configs: SpawnConfig[];
  /** The names of the added services (never a world id). */
  pkiName: string;
  observerName: string | null;
  /** The telemetry secret of the services and the observer. */
  token: string;
  leafLifetimeMs: number;
  /** The nodes that keep data (queues, stores): each gets its own volume, mounted at DATA_DIR. */
  durable: string[];
  /** The programs of process nodes: each a container of its image sharing its node's network. */
  programs: { id: string; image: string; port: number; egressPort: number; env: Record<string, string> }[];
}

/** The named volume (compose, swarm) or claim (Kubernetes) that holds a durable node's data. */
export const dataVolumeOf = (id: string) => `data-${id}`;

/** The world as containers, for any engine: compose and swarm (below), Kubernetes (../kubernetes/). */
export function containerPlan(
  input: ComposeExportInput,
  options: Pick<ComposeExportOptions, 'observer' | 'token' | 'programs'> = {},
): ContainerPlan {
  const { worldId, rev } = input;
  // Kinds a compose file cannot hold (intruders attack with credentials the compose issuer does not make) stay
  // in the playground, and so do their links; so do process nodes without an image, or where the engine cannot
  // put a program beside its sidecar.
  const programs: ContainerPlan['programs'] = [];
  const leftOut = input.world.services.flatMap((s) => {
    const descriptor = kindOf(s);
    const compose = descriptor.facts.compose;
    if (!compose.runs) return [{ id: s.id, why: compose.why }];
    const program = descriptor.composeProgram?.(s.config);
    if (program === undefined) return [];
    if ('why' in program) return [{ id: s.id, why: program.why }];
    if (options.programs !== true) {
      return [{ id: s.id, why: "this engine cannot run a process node's program beside its sidecar (compose can)" }];
    }
    programs.push({ id: s.id, ...program });
    return [];
  });
  const gone = new Set(leftOut.map((s) => s.id));
  const world: World = {
    ...input.world,
    services: input.world.services.filter((s) => !gone.has(s.id)),
    links: input.world.links.filter((l) => !gone.has(l.from) && !gone.has(l.to)),
  };
  const withObserver = options.observer ?? true;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const taken = new Set(world.services.map((s) => s.id));
  const pkiName = freeName('dw-pki', taken);
  const observerName = withObserver ? freeName('dw-observer', taken) : null;

  const ids = world.services.map((s) => s.id);
  const configs: SpawnConfig[] = spawnConfigs({
    worldId,
    rev,
    world,
    host: '0.0.0.0',
    ports: new Map(ids.map((id) => [id, COMPOSE_SERVICE_PORT])),
    identities: new Map(
      ids.map((id) => [
        id,
        { certFile: `${IDENTITY_DIR}/tls.crt`, keyFile: `${IDENTITY_DIR}/tls.key`, caFile: `${IDENTITY_DIR}/ca.crt` },
      ]),
    ),
    telemetry: {
      url: `http://${observerName ?? 'dw-observer'}:${OBSERVER_PORT}/api/telemetry`,
      token,
      intervalMs: TELEMETRY_INTERVAL_MS,
    },
    peerUrl: (id) => `https://${id}:${COMPOSE_SERVICE_PORT}`,
    dataDirOf: () => DATA_DIR,
  });
  const durable = world.services.filter(isDurable).map((s) => s.id);
  // A node with a program (its kind's composeProgram) has a sidecar that forwards to the program's container (the
  // same network) and starts nothing; its kind's fromExportedBehaviour takes these two back out on import.
  for (const program of programs) {
    const config = configs.find((c) => c.serviceId === program.id);
    if (config) {
      const behaviour = { ...config.behaviour, programPort: program.port, egressPort: program.egressPort };
      config.behaviour = behaviour as typeof config.behaviour;
    }
  }
  // Every member renews its own leaf from the issuer, at 2/3 of the world's leaf lifetime (as locally).
  const leafLifetimeMs = leafLifetimeMsOf(world);
  for (const config of configs) {
    config.renewal = {
      url: `https://${pkiName}:${ISSUER_PORT}/renew`,
      serverName: pkiName,
      lifetimeMs: leafLifetimeMs,
    };
  }
  return { world, leftOut, ids, configs, pkiName, observerName, token, leafLifetimeMs, durable, programs };
}

/** The observer's environment (the same in every engine): a controller that observes, in remote mode. */
export function observerEnvironment(
  input: ComposeExportInput,
  plan: ContainerPlan,
  observerToken: string,
  publicUrl: string,
): Record<string, string> {
  const observe: ObserveConfig = { worldId: input.worldId, rev: input.rev, world: plan.world, token: plan.token };
  return {
    HOST: '0.0.0.0',
    PORT: String(OBSERVER_PORT),
    // Bound to the container's network (so the published port reaches it): remote mode, with a token.
    DW_ALLOW_REMOTE: '1',
    DW_TOKEN: observerToken,
    // Published on 127.0.0.1 only: it answers to its loopback names (any port: the host's is mapped), and
    // to its service name only for the services' telemetry. A DNS-rebound name gets 403 forbidden-host.
    DW_HOSTS: LOOPBACK_NAMES.join(','),
    DW_TELEMETRY_HOSTS: plan.observerName ?? 'dw-observer',
    DW_PUBLIC_URL: publicUrl,
    DW_DATA: '/tmp/dw-observer',
    [OBSERVE_ENV]: JSON.stringify(observe),
  };
}

export function composeForWorld(
  input: ComposeExportInput,
  options: ComposeExportOptions = {},
): Record<string, unknown> {
  const { worldId, rev } = input;
  const plan = containerPlan(input, { ...options, programs: options.programs ?? true });
  const { world, leftOut, ids, configs, pkiName, observerName, leafLifetimeMs } = plan;
  const durable = new Set(plan.durable);
  const image = options.image ?? DEFAULT_IMAGE;
  const caVolume = 'dw-ca';
  const identityVolume = (id: string) => `identity-${id}`;
  const back = backEdges(world);

  const pkiConfig: PkiConfig = {
    worldId,
    services: ids,
    caDir: '/pki/ca',
    issuedDir: '/pki/issued',
    leafLifetimeMs,
    issuer: { name: pkiName, port: ISSUER_PORT },
  };
  const pki: ComposeService = {
    image,
    ...(options.buildContext === null
      ? {}
      : {
          build: {
            context: options.buildContext ?? '.',
            ...(options.baseImage ? { args: { BASE_IMAGE: options.baseImage } } : {}),
          },
        }),
    command: ['node', `${APP_DIR}/server/dist/compose-pki.js`],
    environment: { [PKI_CONFIG_ENV]: JSON.stringify(pkiConfig) },
    volumes: [`${caVolume}:/pki/ca`, ...ids.map((id) => `${identityVolume(id)}:/pki/issued/${id}`)],
    healthcheck: {
      test: ['CMD', 'node', `${APP_DIR}/server/dist/compose-pki.js`, '--check'],
      interval: '2s',
      timeout: '5s',
      retries: 30,
      start_period: '5s',
    },
    restart: 'unless-stopped',
  };

  const services: Record<string, ComposeService> = { [pkiName]: pki };
  for (const config of configs) {
    const dependsOn: Record<string, { condition: string }> = { [pkiName]: { condition: 'service_healthy' } };
    if (observerName) dependsOn[observerName] = { condition: 'service_started' };
    for (const peer of config.peers) {
      if (!back.has(peer.linkId) && peer.id !== config.serviceId) {
        dependsOn[peer.id] = { condition: 'service_healthy' };
      }
    }
    const node = world.services.find((s) => s.id === config.serviceId);
    const publish = node ? kindOf(node).publishPort?.(node.config) : undefined;
    services[config.serviceId] = {
      image,
      command: waitForIdentityCommand(),
      // Indented JSON, written as a YAML block: readable and editable, and what the container runs with.
      environment: { [SPAWN_CONFIG_ENV]: JSON.stringify(config, null, 2) },
      // Read-write: the service writes its renewed leaf and its new key here (nobody else's volume, no CA key).
      volumes: [
        `${identityVolume(config.serviceId)}:${IDENTITY_DIR}`,
        // a queue's messages, a store's keys: kept by `down`, removed by `down -v`
        ...(durable.has(config.serviceId) ? [`${dataVolumeOf(config.serviceId)}:${DATA_DIR}`] : []),
      ],
      depends_on: dependsOn,
      healthcheck: tcpHealthcheck(COMPOSE_SERVICE_PORT),
      // a door from the host (a gateway's): published on 127.0.0.1 only
      ...(publish !== undefined ? { ports: [`127.0.0.1:${publish}:${COMPOSE_SERVICE_PORT}`] } : {}),
      // the world's restart policy has compose's names; a node without one does not restart, as locally
      restart: restartOf(world, config.serviceId) ?? 'unless-stopped',
      // Copies of the service: Docker runs them under one DNS name (no container_name), which answers with every
      // copy's address, and each copy shares the identity volume (one identity, as locally).
      ...replicasOf(world, config.serviceId),
    };
  }
  // A process node's program: its image in a container that shares the sidecar's network (it listens on
  // 127.0.0.1:PORT there, and reaches its links at 127.0.0.1:DW_EGRESS). Its identity stays in the sidecar's volume.
  const taken = new Set(Object.keys(services));
  for (const id of ids) taken.add(id);
  for (const program of plan.programs) {
    const name = freeName(`${program.id}-program`, taken);
    taken.add(name);
    services[name] = {
      image: program.image,
      network_mode: `service:${program.id}`,
      environment: {
        ...program.env,
        PORT: String(program.port),
        DW_EGRESS: String(program.egressPort),
        DW_SERVICE: program.id,
        DW_WORLD: worldId,
      },
      depends_on: { [program.id]: { condition: 'service_started' } },
      restart: restartOf(world, program.id) ?? 'unless-stopped',
    };
  }
  const observerPort = options.observerPort ?? OBSERVER_HOST_PORT;
  const observerToken = options.observerToken ?? randomBytes(24).toString('base64url');
  if (observerName) {
    services[observerName] = {
      image,
      command: ['node', `${APP_DIR}/server/dist/standalone.js`],
      environment: observerEnvironment(input, plan, observerToken, `http://127.0.0.1:${observerPort}`),
      ports: [`127.0.0.1:${observerPort}:${OBSERVER_PORT}`],
      healthcheck: tcpHealthcheck(OBSERVER_PORT),
      restart: 'unless-stopped',
    };
  }

  const volumes: Record<string, null> = { [caVolume]: null };
  for (const id of ids) volumes[identityVolume(id)] = null;
  for (const id of durable) volumes[dataVolumeOf(id)] = null;
  const about: Record<string, unknown> = { world: worldId, name: world.name, rev };
  // What a compose service cannot say, kept for an import to take back: the layout, the settings, the scenarios.
  about.nodes = Object.fromEntries(world.services.map((s) => [s.id, nodeExtras(s)]));
  if (world.settings && Object.keys(world.settings).length > 0) about.settings = world.settings;
  if (world.scenarios && world.scenarios.length > 0) about.scenarios = world.scenarios;
  if (observerName) about.observer = `http://127.0.0.1:${observerPort}/?world=${worldId}#token=${observerToken}`;
  if (leftOut.length > 0) about['left-out'] = leftOut.map(({ id, why }) => `${id} (${why})`);
  return escapeInterpolation({
    'x-distributed-world': about,
    services,
    volumes,
  });
}

const HEADER = [
  '# Distributed World: one container per service, mutual TLS between them, identities issued at start-up.',
  '# Build the image from the repository root first (npm run build), then: docker-compose -p <name> up -d',
  '# This file holds no private key: the dw-pki service creates the CA and the first leaves in volumes;',
  '# each service then renews its own leaf from dw-pki (mTLS, port 8444) with a key it makes itself.',
  '# The live view: open x-distributed-world.observer (published on 127.0.0.1 only) once it is up.',
  '',
].join('\n');

export function composeYaml(input: ComposeExportInput, options: ComposeExportOptions = {}): string {
  // YAML 1.1 quoting, as docker-compose (PyYAML) reads it: `restart: "no"` stays a string, not false.
  return (
    HEADER + stringify(composeForWorld(input, options), { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })
  );
}

/** compose-spec's `deploy: { replicas }` for a service that runs more than once; nothing otherwise. */
function replicasOf(world: World, serviceId: string): { deploy?: { replicas: number } } {
  const node = world.services.find((s) => s.id === serviceId);
  const replicas = node ? replicaCountOf(node) : 1;
  return replicas > 1 ? { deploy: { replicas } } : {};
}

/**
 * A service's restart policy from the world (same names as compose): its own, or the world's default ("no") for
 * a kind that has one; undefined for a kind without a policy.
 */
function restartOf(world: World, serviceId: string): string | undefined {
  const node = world.services.find((s) => s.id === serviceId);
  if (!node || !('restart' in kindOf(node).node.properties)) return undefined;
  return nodeRestart(node) ?? DEFAULT_RESTART_POLICY;
}

/** A node's place on the diagram and its display notes: what its spawn config does not carry. */
function nodeExtras(node: World['services'][number]): Record<string, unknown> {
  const extras: Record<string, unknown> = { x: node.position.x, y: node.position.y };
  if ('display' in node && node.display && Object.keys(node.display).length > 0) extras.display = node.display;
  return extras;
}
