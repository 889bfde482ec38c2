import { readFileSync } from 'node:fs';
import { type Display, defaultConfig, resolvePointer, validateWorld, type World, type WorldService } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HttpProblem } from '../http/errors.js';
import { MESH_WORLD } from '../testing/worlds.js';
import { composeYaml } from './compose-export.js';
import {
  COMPOSE_LIMITS,
  ComposeYamlReader,
  dnsLabelOf,
  worldFromCompose,
  worldFromComposeData,
} from './compose-import.js';
import { readYaml } from './compose-yaml-worker.mjs';

const fixture = (name: string) => readFileSync(new URL(`../testing/compose/${name}`, import.meta.url), 'utf8');
const COMPOSE_WORLD = fixtureWorld('compose');

const edges = (world: World) => world.links.map((l) => `${l.from}->${l.to}`).sort();
const node = (world: World, id: string) =>
  world.services.find((s) => s.id === id) as (WorldService & { display?: Display }) | undefined;

async function imported(text: string) {
  const result = await worldFromCompose(text);
  const checked = validateWorld(result.world);
  expect(checked.ok, JSON.stringify(checked)).toBe(true);
  // Every warning points at something that is in the compose file.
  const doc = parse(text, { merge: true });
  for (const w of result.warnings) expect(resolvePointer(doc, w.pointer).found, w.pointer).toBe(true);
  return result;
}

describe('compose import', () => {
  it('makes a service of an image of its own that serves on a published port a process node running that image', async () => {
    const text = [
      'services:',
      '  web:',
      '    image: example/web:2',
      '    depends_on: [api]',
      '  api:',
      '    image: registry.example/team/api:1.4',
      '    ports: ["127.0.0.1:9000:5000"]',
      '    depends_on: [cache]',
      '  cache:',
      '    image: redis:7',
      '  worker:',
      '    image: example/worker:1',
      '',
    ].join('\n');
    const { world, warnings } = await imported(text);
    expect(node(world, 'api')).toMatchObject({
      kind: 'process',
      config: {
        command: 'docker run --rm -p 127.0.0.1:$PORT:5000 registry.example/team/api:1.4',
        image: 'registry.example/team/api:1.4',
        imagePort: 5000,
      },
    });
    expect(warnings.find((w) => w.pointer === '/services/api')?.message).toMatch(
      /^"api" became a process: its program is the image "registry.example\/team\/api:1.4"/,
    );
    // no published port: a stand-in as before; a known image: its kind; an entry point: a client
    expect(node(world, 'worker')?.kind).toBe('service');
    expect(node(world, 'cache')?.kind).toBe('store');
    expect(node(world, 'web')?.kind).toBe('client');
  });

  it('a voting stack: depends_on maps become links, front ends become clients, profiles and networks warn', async () => {
    const { world, warnings } = await imported(fixture('voting.yaml'));
    expect(world.services.map((s) => s.id)).toEqual(['vote', 'result', 'worker', 'redis', 'db', 'seed']);
    expect(edges(world)).toEqual(['result->db', 'seed->vote', 'vote->redis', 'worker->db', 'worker->redis']);
    expect(world.services.filter((s) => s.kind === 'client').map((s) => s.id)).toEqual(['result', 'worker', 'seed']);
    expect(node(world, 'vote')?.display).toEqual({ ports: ['8080:80'] });
    expect(node(world, 'result')?.display).toEqual({ ports: ['8081:80', '127.0.0.1:9229:9229'] });
    expect(node(world, 'db')?.display).toEqual({ image: 'postgres:15-alpine' });
    expect(warnings.map((w) => w.pointer).sort()).toEqual([
      '/networks',
      '/services/db/image',
      '/services/redis/image',
      '/services/seed/profiles',
      '/services/vote',
      '/volumes',
    ]);
    // vote is built from source and serves on a published port: a program of the person's own, a process node
    expect(node(world, 'vote')?.kind).toBe('process');
    expect(node(world, 'vote')?.config).toEqual({
      command: 'echo "say how this program runs here: it must serve plain HTTP on 127.0.0.1:$PORT" >&2; exit 1',
      imagePort: 80,
    });
    expect(warnings.find((w) => w.pointer === '/services/vote')?.message).toMatch(
      /^"vote" became a process: it is built from source, so say in its command how it runs here/,
    );
    // the database and the cache are stores, and the warnings say why
    expect(node(world, 'db')?.kind).toBe('store');
    expect(node(world, 'redis')?.kind).toBe('store');
    expect(warnings.find((w) => w.pointer === '/services/db/image')?.message).toMatch(
      /^"postgres:15-alpine" became a store: it is one of the well-known databases and caches \(a key-value store/,
    );
    // Layers: seed -> vote -> redis, each a step to the right.
    const x = (id: string) => node(world, id)!.position.x;
    expect(x('seed')).toBeLessThan(x('vote'));
    expect(x('vote')).toBeLessThan(x('redis'));
    expect(new Set(world.services.map((s) => `${s.position.x},${s.position.y}`)).size).toBe(world.services.length);
  });

  it('a blog with anchors, merge keys, x- keys, long-form ports, env_file, links and names to normalise', async () => {
    const { world, warnings } = await imported(fixture('wordpress.yaml'));
    expect(world.services.map((s) => s.id)).toEqual(['nginx', 'wordpress', 'mariadb', 'redis-cache', 'wp-cli']);
    // (a PHP define in WORDPRESS_CONFIG_EXTRA that names redis_cache is no host-like value: no link)
    expect(edges(world)).toEqual(['nginx->wordpress', 'wordpress->mariadb', 'wp-cli->mariadb', 'wp-cli->wordpress']);
    expect(node(world, 'nginx')?.display).toEqual({
      image: 'nginx:1.25-alpine',
      ports: ['80:80', '127.0.0.1:8443:443'],
    });
    const messages = warnings.map((w) => `${w.pointer} ${w.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/services\/redis_cache "redis_cache" is not a DNS label.*"redis-cache"/),
        expect.stringMatching(/^\/services\/WP\.CLI "WP\.CLI" is not a DNS label.*"wp-cli"/),
        expect.stringMatching(/^\/services\/wordpress\/env_file env_file is not read/),
        expect.stringMatching(/^\/services\/mariadb\/env_file /),
        expect.stringMatching(/^\/services\/WP\.CLI\/profiles /),
        expect.stringMatching(/^\/volumes /),
      ]),
    );
    expect(warnings.some((w) => w.pointer.startsWith('/x-'))).toBe(false);
  });

  it('an observability stack: environment URLs and legacy links, an unknown dependency warns', async () => {
    const { world, warnings } = await imported(fixture('observability.yaml'));
    // (CACHE: "memcached" merely names it: no host-like value, no link)
    expect(edges(world)).toEqual([
      'app->otel-collector',
      'app->postgres',
      'grafana->jaeger',
      'grafana->prometheus',
      'otel-collector->jaeger',
      'otel-collector->prometheus',
      'prometheus->node-exporter',
    ]);
    expect(node(world, 'app')?.display).toEqual({ image: 'ghcr.io/example/shop-api:1.4', ports: ['3000'] });
    expect(warnings).toEqual(
      expect.arrayContaining([
        {
          pointer: '/services/app/depends_on',
          message: 'depends on "vault", which is not a service of this file: no link',
        },
        expect.objectContaining({ pointer: '/services/node_exporter/network_mode' }),
        expect.objectContaining({ pointer: '/services/postgres/deploy/resources' }),
      ]),
    );
  });

  it('gives back the same world after an export: ids, kinds, behaviour and links', async () => {
    for (const original of [COMPOSE_WORLD, MESH_WORLD]) {
      const text = composeYaml({ worldId: 'shop-abc123', rev: 2, world: original });
      const { world, warnings } = await imported(text);
      expect(world.name).toBe(original.name);
      expect(world.services.map(({ id, kind, config }) => ({ id, kind, config }))).toEqual(
        original.services.map(({ id, kind, config }) => ({ id, kind, config })),
      );
      expect(world.links).toEqual(original.links);
      expect(warnings.map((w) => w.pointer).sort()).toEqual(['/services/dw-observer', '/services/dw-pki', '/volumes']);
    }
  });

  it('refuses text that is not YAML, or not a compose file, saying where', async () => {
    const problem = async (text: string) => {
      try {
        await worldFromCompose(text);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
        return error as HttpProblem;
      }
      throw new Error('no error');
    };
    const bad = await problem('services:\n  web:\n    image: "nginx\n  db: [\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.error).toBe('malformed-yaml');
    expect(bad.message).toMatch(/line \d+, column \d+/);
    expect((await problem('- just\n- a list\n')).error).toBe('not-compose');
    expect((await problem('services: 3\n')).error).toBe('not-compose');
  });

  it('normalises names to DNS labels', () => {
    expect(dnsLabelOf('Redis_Cache')).toBe('redis-cache');
    expect(dnsLabelOf('--a..b--')).toBe('a-b');
    expect(dnsLabelOf('___')).toBe('service');
    expect(dnsLabelOf('x'.repeat(80))).toHaveLength(63);
  });

  it('keeps two services whose names normalise alike apart', async () => {
    const { world, warnings } = await imported(
      'services:\n  api_v1: {image: a}\n  api.v1:\n    depends_on: [api_v1]\n',
    );
    expect(world.services.map((s) => s.id)).toEqual(['api-v1', 'api-v1-2']);
    expect(edges(world)).toEqual(['api-v1-2->api-v1']);
    expect(warnings).toHaveLength(2);
  });

  it('keeps a deny link a deny link through export and import', async () => {
    const original: World = {
      version: 1,
      name: 'guarded',
      services: [
        { id: 'c', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 1 } },
        { id: 's', kind: 'service', position: { x: 1, y: 0 }, config: {} },
        { id: 'd', kind: 'service', position: { x: 1, y: 1 }, config: {} },
      ],
      links: [
        { id: 'cs', from: 'c', to: 's' },
        { id: 'cd', from: 'c', to: 'd', policy: 'deny' },
      ],
    };
    const { world } = await imported(composeYaml({ worldId: 'w-1', rev: 1, world: original }));
    expect(world.links).toEqual(original.links);
  });

  it("takes a service's replicas from deploy.replicas (or the legacy scale), and says what it cannot take", async () => {
    const { world, warnings } = await imported(
      [
        'services:',
        '  web:',
        '    image: nginx',
        '    depends_on: [api]',
        '  api:',
        '    image: api',
        '    depends_on: [db, cache]',
        '    deploy:',
        '      replicas: 4',
        '      resources: { limits: { memory: 64M } }',
        '  db:',
        '    image: example/db',
        '    deploy: { replicas: 40 }',
        '  cache:',
        '    image: example/cache',
        '    scale: 2',
        '',
      ].join('\n'),
    );
    const replicas = Object.fromEntries(
      world.services.map((s) => [s.id, s.kind === 'service' ? s.replicas : 'client']),
    );
    expect(replicas).toEqual({ web: 'client', api: 4, db: 10, cache: 2 });
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/services/api/deploy/resources' }),
        {
          pointer: '/services/db/deploy/replicas',
          message: 'a service runs at most 10 replicas: 40 became 10',
        },
      ]),
    );
  });

  it('gives back the replica counts of an exported world', async () => {
    const original: World = {
      ...MESH_WORLD,
      services: MESH_WORLD.services.map((s) => (s.id === 'payments' ? { ...s, replicas: 3 } : s)),
    } as World;
    const { world } = await imported(composeYaml({ worldId: 'shop-abc123', rev: 2, world: original }));
    expect(world.services.find((s) => s.id === 'payments')).toMatchObject({ replicas: 3 });
    expect(world.services.filter((s) => s.kind === 'service' && s.replicas !== undefined)).toHaveLength(1);
  });

  it('makes a reverse proxy (nginx, traefik...) a gateway at its published port, and says so', async () => {
    const { world, warnings } = await imported(
      [
        'services:',
        '  proxy:',
        '    image: nginx:1.27-alpine',
        '    ports: ["127.0.0.1:8081:80"]',
        '    depends_on: [api]',
        '  edge:',
        '    image: traefik:v3.1',
        '    ports: [{ target: 80, published: 9000 }]',
        '    depends_on: [api]',
        '  api:',
        '    image: example/api',
      ].join('\n'),
    );
    expect(node(world, 'proxy')).toMatchObject({ kind: 'gateway', config: { publishPort: 8081 } });
    expect(node(world, 'edge')).toMatchObject({ kind: 'gateway', config: { publishPort: 9000 } });
    expect(node(world, 'api')?.kind).toBe('service');
    expect(edges(world)).toEqual(['edge->api', 'proxy->api']);
    expect(warnings).toContainEqual({
      pointer: '/services/proxy/image',
      message: expect.stringMatching(/"nginx:1.27-alpine" became a gateway/),
    });
  });

  it('gives back a gateway of an exported world', async () => {
    const world: World = {
      version: 1,
      name: 'door',
      services: [
        { id: 'gw', kind: 'gateway', position: { x: 0, y: 0 }, config: { publishPort: 8082 } },
        { id: 'orders', kind: 'service', position: { x: 0, y: 0 }, config: { latencyMs: 3 } },
      ],
      links: [{ id: 'g1', from: 'gw', to: 'orders' }],
    };
    const back = (await imported(composeYaml({ worldId: 'door', rev: 1, world }))).world;
    expect(node(back, 'gw')).toMatchObject({ kind: 'gateway', config: { publishPort: 8082 } });
    expect(edges(back)).toEqual(['gw->orders']);
  });

  it('links only on host-like environment values: POSTGRES_DB=gitea is no reference to the gitea service', async () => {
    const { world } = await imported(fixture('gitea.yaml'));
    // db's POSTGRES_DB / POSTGRES_USER equal "gitea", the runner's GITEA_RUNNER_NAME too: none is a link
    expect(edges(world)).toEqual(['gitea->db', 'runner->gitea']);
    expect(node(world, 'db')?.kind).toBe('store');
  });

  it("makes brokers queues and databases and caches stores, turns a consumer's link, and says each", async () => {
    const { world, warnings } = await imported(fixture('brokers.yaml'));
    const kinds = Object.fromEntries(world.services.map((s) => [s.id, s.kind]));
    expect(kinds).toEqual({
      web: 'client',
      'order-worker': 'service',
      rabbitmq: 'queue',
      events: 'queue',
      'analytics-consumer': 'service',
      mongo: 'store',
      mysql: 'store',
      redis: 'store',
    });
    // web publishes; the workers are what the queues deliver to
    expect(edges(world)).toEqual([
      'events->analytics-consumer',
      'order-worker->mysql',
      'rabbitmq->order-worker',
      'web->mongo',
      'web->rabbitmq',
      'web->redis',
    ]);
    const said = (pointer: string) => warnings.filter((w) => w.pointer === pointer).map((w) => w.message);
    expect(said('/services/rabbitmq/image')).toEqual([
      expect.stringMatching(/^"rabbitmq:3.13-management" became a queue: it is one of the well-known message brokers/),
    ]);
    expect(said('/services/mysql/image')).toEqual([
      expect.stringMatching(/^"mysql:8.4" became a store: it is one of the well-known databases and caches/),
    ]);
    expect(said('/services/order-worker')).toEqual([
      expect.stringMatching(
        /"order-worker" depends on the broker "rabbitmq" and its name says it consumes.*rabbitmq -> order-worker/,
      ),
    ]);
    expect(said('/services/events/deploy/replicas')).toEqual([
      expect.stringMatching(/a queue is one process with one log.*3 replicas left out/),
    ]);
  });

  it('leaves out the links a kind does not allow: from a store, to a gateway, and says so', async () => {
    const { world, warnings } = await imported(
      [
        'services:',
        '  db:',
        '    image: postgres:16',
        '    depends_on: [db-init]',
        '  db-init:',
        '    image: example/migrate',
        '  app:',
        '    image: example/app',
        '    depends_on: [db, proxy]',
        '  proxy:',
        '    image: nginx',
        '',
      ].join('\n'),
    );
    expect(edges(world)).toEqual(['app->db']);
    expect(warnings).toEqual(
      expect.arrayContaining([
        {
          pointer: '/services/db/depends_on',
          message: expect.stringMatching(/^no link from "db" to "db-init": "db" is a store: it answers/),
        },
        {
          pointer: '/services/app/depends_on',
          message: expect.stringMatching(/^no link from "app" to "proxy": "proxy" is a gateway: /),
        },
      ]),
    );
  });

  it('gives back queues and stores of an exported world, with their config', async () => {
    const original: World = {
      version: 1,
      name: 'orders',
      services: [
        { id: 'shop', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 5 } },
        { id: 'orders-q', kind: 'queue', position: { x: 0, y: 0 }, config: { maxAttempts: 3, durable: false } },
        { id: 'worker', kind: 'service', position: { x: 0, y: 0 }, config: { store: { readShare: 0.5 } } },
        { id: 'db', kind: 'store', position: { x: 0, y: 0 }, config: { maxKeys: 500 } },
      ],
      links: [
        { id: 'l1', from: 'shop', to: 'orders-q' },
        { id: 'l2', from: 'orders-q', to: 'worker' },
        { id: 'l3', from: 'worker', to: 'db' },
      ],
    };
    const { world } = await imported(composeYaml({ worldId: 'orders-abc123', rev: 1, world: original }));
    expect(world.services.map(({ id, kind, config }) => ({ id, kind, config }))).toEqual(
      original.services.map(({ id, kind, config }) => ({ id, kind, config })),
    );
    expect(world.links).toEqual(original.links);
  });
});

const LIMITS = { maxTokens: 100_000, maxValues: 100_000, maxChars: 8_000_000, maxDepth: 64 };
const refusal = (text: string, limits = LIMITS) => {
  const read = readYaml(text, limits);
  if (read.ok) throw new Error('read, not refused');
  return read;
};

describe('reading compose YAML within limits (compose-yaml-worker.mjs)', () => {
  it('reads what the yaml library reads: anchors, aliases, merge keys, x- keys', () => {
    const samples = [
      fixture('voting.yaml'),
      fixture('wordpress.yaml'),
      fixture('observability.yaml'),
      'x: &x {a: 1, b: 2}\ny: {<<: *x, b: 3, c: 4}\nz: {c: 0, <<: [*x, {d: 5}]}\nw: [*x, *x]\n"<<": quoted\n',
      '__proto__: {polluted: 1}\nconstructor: 2\nlist: [~, null, .inf, 0x1f, "$$X", 1e3, true]\n',
    ];
    for (const text of samples) {
      const read = readYaml(text, LIMITS);
      expect(read).toEqual({ ok: true, value: parse(text, { merge: true }) });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses what expands beyond a limit, saying which limit and how much was asked', () => {
    const keys = Array.from({ length: 8000 }, (_, i) => `k${i}: 0`).join(', ');
    const merges = refusal(`x-a: &a {${keys}}\nx-b:\n${'  - {<<: *a}\n'.repeat(800)}`);
    expect(merges).toMatchObject({ status: 413, error: 'compose-too-large' });
    expect(merges.message).toBe(
      'the node at line 3, column 3 expands to 12,800,801 values once its aliases and merge keys are resolved; this controller reads at most 100,000',
    );
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) {
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    expect(refusal(laughs.join('\n')).message).toMatch(/expands to [\d,]+ values .* at most 100,000$/);
    const text = `s: &s "${'x'.repeat(1000)}"\nall: [${Array(10_000).fill('*s').join(', ')}]\n`;
    expect(refusal(text).message).toMatch(/expands to 10,000,000 characters of text .* at most 8,000,000$/);
    expect(refusal(`${'- '.repeat(4)}x\n`, { ...LIMITS, maxDepth: 3 }).message).toMatch(
      /nests more than 3 levels deep at line 1/,
    );
    expect(refusal(`a: ${'['.repeat(70)}${']'.repeat(70)}\n`).message).toBe(
      'the brackets of the compose file nest 70 levels deep; this controller reads at most 64',
    );
    // nesting through aliases: each anchor holds the one before it, two levels deeper
    const chain = ['a0: &a0 [x]'];
    for (let i = 1; i < 40; i++) chain.push(`a${i}: &a${i} [[*a${i - 1}]]`);
    expect(refusal(chain.join('\n')).message).toMatch(/nests 6\d levels deep once its aliases .* at most 64$/);
    expect(refusal(`x: [${Array(100_001).fill('1').join(',')}]\n`).message).toBe(
      'the compose file has 100,004 YAML tokens (keys, values, list items); this controller reads at most 100,000',
    );
  });

  it('refuses malformed YAML, saying what and where', () => {
    expect(refusal('a: 1\nb: 2\na: 3\n')).toMatchObject({
      status: 400,
      error: 'malformed-yaml',
      message: 'the compose file cannot be read at line 3, column 1: the key "a" appears twice in one mapping',
    });
    expect(refusal('a: &a\n  b: *a\n').message).toMatch(
      /line 2, column 6: the alias \*a is inside the node it refers to/,
    );
    expect(refusal('c: *missing\n').message).toMatch(
      /line 1, column 4: the alias \*missing refers to no anchor before it/,
    );
    expect(refusal('x: &x [1]\ny: {<<: *x}\n').message).toMatch(/merge key \(<<\) takes a mapping/);
    expect(refusal('? [a, b]\n: c\n')).toMatchObject({ status: 400, error: 'not-compose' });
    expect(refusal('a: 1\n---\nb: 2\n').message).toMatch(/more than one YAML document/);
    expect(refusal('services:\n  web:\n    image: [nginx\n').message).toMatch(
      /^the compose file is not valid YAML at line \d+, column \d+/,
    );
  });

  it('gives up on a read that takes too long (422) or needs too much memory (413), and on too many at once (503)', async () => {
    const text = fixture('wordpress.yaml');
    const slow = new ComposeYamlReader({ ...COMPOSE_LIMITS, timeMs: 1 });
    await expect(slow.read(text)).rejects.toMatchObject({ statusCode: 422, error: 'compose-too-complex' });
    const big = `x: [${Array.from({ length: 60_000 }, (_, i) => `"${'v'.repeat(20)}${i}"`).join(',')}]\nservices: {}\n`;
    const small = new ComposeYamlReader({ ...COMPOSE_LIMITS, memoryMb: 4 });
    await expect(small.read(big)).rejects.toMatchObject({ statusCode: 413, error: 'compose-too-large' });
    const one = new ComposeYamlReader(COMPOSE_LIMITS, 1, 0);
    const first = one.read(text);
    await expect(one.read(text)).rejects.toMatchObject({ statusCode: 503, error: 'import-busy' });
    await expect(first).resolves.toMatchObject({ services: expect.any(Object) });
    await expect(one.read(text)).resolves.toMatchObject({ services: expect.any(Object) });
  });
});

/** How the import found mentions before it looked every name up at once: one regular expression per name. */
function mentionsByRegex(value: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escaped}($|[^A-Za-z0-9_-]|\\.(?![A-Za-z0-9]))`).test(value);
}

describe('environment mentions', () => {
  it('finds the services an environment value names, as one regular expression per name did', () => {
    const piece = fc.constantFrom(
      'db',
      'db.v1',
      'api',
      'api_2',
      'a-b',
      'x',
      '.',
      '-',
      '_',
      ':',
      '/',
      '@',
      ' ',
      '=',
      'Db',
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('db', 'db.v1', 'api', 'api_2', 'a-b', 'x', 'Db', 'db.'), { minLength: 1 }),
        fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
        (names, value) => {
          // under a host-like key, where a mention is a reference (host-reference.ts)
          const services: Record<string, unknown> = { caller: { environment: { V_HOST: value } } };
          for (const name of names) services[name] = { image: 'x' };
          const { world } = worldFromComposeData({ services });
          const ids = new Map(names.map((n, i) => [n, world.services[i + 1]!.id]));
          const found = world.links.filter((l) => l.from === 'caller').map((l) => l.to);
          const expected = names.filter((n) => mentionsByRegex(value, n)).map((n) => ids.get(n));
          expect(found, JSON.stringify({ names, value })).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('compose round trip (export, then import)', () => {
  /** Everything a world holds that compose itself has no word for. */
  const RICH: World = {
    ...MESH_WORLD,
    name: 'rich shop',
    settings: { hopBudget: 5, leafLifetimeMinutes: 30 },
    services: [
      ...MESH_WORLD.services.map((s, i): WorldService => {
        const moved = { ...s, position: { x: 17.5 + i * 211, y: -42 + i * 3 } } as WorldService;
        if (s.id === 'orders') return { ...moved, restart: 'always' } as WorldService;
        if (s.id === 'payments') return { ...moved, restart: 'on-failure' } as WorldService;
        if (s.id === 'inventory')
          return { ...moved, display: { image: 'my/inventory:1', ports: ['8080:80'] } } as WorldService;
        return moved;
      }),
      {
        id: 'mallory',
        kind: 'intruder',
        position: { x: 5, y: 300 },
        config: defaultConfig('intruder'),
      } as WorldService,
    ],
    links: [
      ...MESH_WORLD.links.map((l) => (l.id === 'l2' ? { ...l, weight: 3 } : l)),
      { id: 'l9', from: 'mallory', to: 'orders' },
    ],
    scenarios: [
      {
        name: 'cut inventory',
        durationS: 10,
        steps: [{ atS: 2, do: 'fault', fault: { kind: 'partition', linkId: 'l3' } }],
        assertions: ['errors(shopper) < 50%'],
      },
    ],
  };

  it('keeps restart policies, layout, display, settings, link weights and scenarios, and names what it left out', async () => {
    expect(validateWorld(RICH).ok, JSON.stringify(validateWorld(RICH))).toBe(true);
    const text = composeYaml({ worldId: 'rich-shop-abc123', rev: 4, world: RICH });
    const { world, warnings } = await imported(text);
    const withoutIntruder: World = {
      ...RICH,
      services: RICH.services.filter((s) => s.id !== 'mallory'),
      links: RICH.links.filter((l) => l.from !== 'mallory'),
    };
    expect(world).toEqual(withoutIntruder);
    // the intruder is not lost without a word
    const leftOut = warnings.filter((w) => w.pointer.startsWith('/x-distributed-world/left-out'));
    expect(leftOut).toHaveLength(1);
    expect(leftOut[0]!.message).toMatch(/^mallory \(.+\): it was not exported/);
  });

  it('writes restart "no" quoted (docker-compose reads YAML 1.1, where a bare no is false), and the config readable', () => {
    const text = composeYaml({ worldId: 'rich-shop-abc123', rev: 4, world: RICH });
    expect(text).toMatch(/^ {4}restart: "no"$/m); // shopper and inventory: the world's default
    expect(text).toMatch(/^ {4}restart: always$/m);
    expect(text).not.toMatch(/unless-stopped(?![\s\S]*dw-)/); // only the added services keep running
    // one field per line, as a YAML block: readable and editable
    expect(text).toMatch(/DW_SPAWN_CONFIG: \|-?\n {8}\{\n {10}"[a-zA-Z]+": /);
  });

  it("takes compose's own restart policies from a file it did not write, and says what it cannot take", async () => {
    const { world, warnings } = await imported(
      [
        'services:',
        '  web: { image: nginx, restart: unless-stopped, depends_on: [api] }',
        '  api: { image: my/api, restart: "on-failure:3" }',
        '  job: { image: my/job, restart: sometimes }',
      ].join('\n'),
    );
    expect(node(world, 'api')).toMatchObject({ restart: 'on-failure' });
    expect(node(world, 'job')).not.toHaveProperty('restart');
    expect(warnings.find((w) => w.pointer === '/services/job/restart')?.message).toMatch(/not sometimes|"sometimes"/);
    // unless-stopped: a world's services stop only when the world does, so it is "always"
    expect(node(world, 'web')).toMatchObject({ kind: 'gateway', restart: 'always' });
  });
});
