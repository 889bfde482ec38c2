import { deployDecision, spiffeId, type World } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { MESH_WORLD } from '../testing/worlds.js';
import { spawnConfigs } from './plan.js';

const identities = new Map(
  MESH_WORLD.services.map((s) => [
    s.id,
    { certFile: `/d/${s.id}.crt`, keyFile: `/d/${s.id}.key`, caFile: '/d/ca.crt' },
  ]),
);
const ports = new Map(MESH_WORLD.services.map((s, i) => [s.id, 40000 + i]));
const telemetry = { url: 'http://127.0.0.1:4400/api/telemetry', token: 't'.repeat(32), intervalMs: 100 };

describe('spawnConfigs', () => {
  const configs = spawnConfigs({
    worldId: 'mesh-abc123',
    rev: 3,
    world: MESH_WORLD,
    host: '127.0.0.1',
    ports,
    identities,
    telemetry,
  });
  const of = (id: string) => configs.find((c) => c.serviceId === id);

  it.each([
    ['shopper', 'client', ['orders'], []],
    ['orders', 'service', ['payments', 'inventory'], ['shopper']],
    ['payments', 'service', [], ['orders']],
    ['inventory', 'service', [], ['orders']],
  ])('%s: kind %s, calls %j, admits %j', (id, kind, peers, callers) => {
    const config = of(id);
    expect(config?.kind).toBe(kind);
    expect(config?.peers.map((p) => p.id)).toEqual(peers);
    expect(config?.allowedCallers).toEqual(callers.map((c) => spiffeId('mesh-abc123', c)));
  });

  it('gives each process where it listens, how to reach its peers, its identity files and the telemetry target', () => {
    const orders = of('orders');
    expect(orders).toMatchObject({
      worldId: 'mesh-abc123',
      rev: 3,
      listen: { host: '127.0.0.1', port: 40001 },
      identity: { certFile: '/d/orders.crt', keyFile: '/d/orders.key', caFile: '/d/ca.crt' },
      hopBudget: 8,
      telemetry,
      behaviour: { latencyMs: 1, errorRate: 0 },
    });
    expect(orders?.peers).toEqual([
      { linkId: 'l2', id: 'payments', url: 'https://127.0.0.1:40002' },
      { linkId: 'l3', id: 'inventory', url: 'https://127.0.0.1:40003' },
    ]);
    expect(of('shopper')?.behaviour).toEqual({ rps: 20 });
  });

  it("leaves the caller of a deny link out of its callee's allowed callers, but keeps it as a route", () => {
    const world: World = {
      ...MESH_WORLD,
      links: MESH_WORLD.links.map((l) => (l.to === 'payments' ? { ...l, policy: 'deny' as const } : l)),
    };
    const denied = spawnConfigs({ worldId: 'w', rev: 1, world, host: '127.0.0.1', ports, identities, telemetry });
    expect(denied.find((c) => c.serviceId === 'payments')?.allowedCallers).toEqual([]);
    expect(denied.find((c) => c.serviceId === 'orders')?.peers.map((p) => p.id)).toEqual(['payments', 'inventory']);
    expect(denied.find((c) => c.serviceId === 'inventory')?.allowedCallers).toEqual([spiffeId('w', 'orders')]);
  });

  it('uses the default hop budget when the world sets none', () => {
    const world: World = { ...MESH_WORLD, settings: undefined };
    delete world.settings;
    const [first] = spawnConfigs({ worldId: 'w', rev: 1, world, host: '127.0.0.1', ports, identities, telemetry });
    expect(first?.hopBudget).toBe(8);
  });
});

describe('deployDecision (the plan the preview shows and the deploy applies)', () => {
  const moved: World = {
    ...MESH_WORLD,
    services: MESH_WORLD.services.map((s) => ({ ...s, position: { x: s.position.x + 5, y: 0 } })),
  };
  const slowerPayments: World = {
    ...MESH_WORLD,
    services: MESH_WORLD.services.map((s) =>
      s.id === 'payments' && s.kind === 'service' ? { ...s, config: { latencyMs: 50, errorRate: 0 } } : s,
    ),
  };
  const withAudit: World = {
    ...MESH_WORLD,
    services: [
      ...MESH_WORLD.services,
      { id: 'audit', kind: 'service', position: { x: 600, y: 0 }, config: { latencyMs: 1, errorRate: 0 } },
    ],
    links: [...MESH_WORLD.links, { id: 'l4', from: 'payments', to: 'audit' }],
  };
  const cases: [string, World | null, World, { start: string[]; restart: string[]; stop: string[] }][] = [
    [
      'first deploy starts everything',
      null,
      MESH_WORLD,
      { start: ['inventory', 'orders', 'payments', 'shopper'], restart: [], stop: [] },
    ],
    ['moving boxes restarts nothing', MESH_WORLD, moved, { start: [], restart: [], stop: [] }],
    [
      'a changed config restarts only that service',
      MESH_WORLD,
      slowerPayments,
      { start: [], restart: ['payments'], stop: [] },
    ],
    [
      'an added service starts, and its caller restarts',
      MESH_WORLD,
      withAudit,
      { start: ['audit'], restart: ['payments'], stop: [] },
    ],
    [
      'a removed service stops, and its caller restarts',
      withAudit,
      MESH_WORLD,
      { start: [], restart: ['payments'], stop: ['audit'] },
    ],
  ];
  it.each(cases)('%s', (_name, previous, next, expected) => {
    const { mode, plan } = deployDecision(previous, next);
    expect(mode).toBe(previous === null ? 'fresh' : 'in-place');
    expect({ start: plan.start, restart: plan.restart, stop: plan.stop }).toEqual(expected);
    const all = [...plan.start, ...plan.restart, ...plan.keep].sort();
    expect(all).toEqual(next.services.map((s) => s.id).sort());
  });
});

describe('spawnConfigs with replicas', () => {
  const world: World = structuredClone(MESH_WORLD);
  const copies = new Map<string, number | number[]>(ports);
  copies.set('payments', [41001, 41002, 41003]);
  const configs = spawnConfigs({
    worldId: 'w',
    rev: 2,
    world,
    host: '127.0.0.1',
    ports: copies,
    identities,
    telemetry,
  });

  it('plans one process per copy: its own port and replica number, the same identity and callers', () => {
    const payments = configs.filter((c) => c.serviceId === 'payments');
    expect(payments.map((c) => [c.replica, c.listen.port])).toEqual([
      [1, 41001],
      [2, 41002],
      [3, 41003],
    ]);
    expect(new Set(payments.map((c) => JSON.stringify([c.identity, c.allowedCallers, c.peers]))).size).toBe(1);
    expect(configs.find((c) => c.serviceId === 'orders')?.replica).toBeUndefined();
  });

  it("tells the callers every copy's address: the first as url, the others in alsoAt", () => {
    const orders = configs.find((c) => c.serviceId === 'orders');
    expect(orders?.peers.find((p) => p.id === 'payments')).toMatchObject({
      url: 'https://127.0.0.1:41001',
      alsoAt: ['https://127.0.0.1:41002', 'https://127.0.0.1:41003'],
    });
    expect(orders?.peers.find((p) => p.id === 'inventory')?.alsoAt).toBeUndefined();
  });
});
