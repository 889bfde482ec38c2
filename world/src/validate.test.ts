import { describe, expect, it } from 'vitest';
import { EXAMPLE_WORLD } from './example.js';
import { resolvePointer } from './pointer.js';
import { validateWorld } from './validate.js';

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

function problemsOf(input: unknown) {
  const result = validateWorld(input);
  if (result.ok) throw new Error('expected problems, got a valid world');
  for (const p of result.problems) {
    expect(resolvePointer(input, p.pointer).found, `pointer ${p.pointer} resolves (${p.message})`).toBe(true);
  }
  return result.problems;
}

describe('validateWorld', () => {
  it('accepts the example world', () => {
    expect(validateWorld(EXAMPLE_WORLD).ok).toBe(true);
  });

  it('accepts the issue example with a latency range', () => {
    const w = clone(EXAMPLE_WORLD);
    w.services = w.services.slice(0, 3);
    w.links = w.links.slice(0, 2);
    expect(validateWorld(w)).toEqual({ ok: true, value: w });
  });

  const cases: [string, (w: any) => void, string, RegExp][] = [
    [
      'unknown kind',
      (w) => {
        w.services[1].kind = 'database';
      },
      '/services/1/kind',
      /unknown kind "database"/,
    ],
    [
      'bad id',
      (w) => {
        w.services[1].id = 'Orders_1';
      },
      '/services/1/id',
      /DNS label/,
    ],
    [
      'too long id',
      (w) => {
        w.services[1].id = 'a'.repeat(64);
      },
      '/services/1/id',
      /DNS label/,
    ],
    [
      'duplicate id',
      (w) => {
        w.services[2].id = 'orders';
      },
      '/services/2/id',
      /duplicate service id "orders"/,
    ],
    [
      'link to missing service',
      (w) => {
        w.links[1].to = 'ghost';
      },
      '/links/1/to',
      /does not exist/,
    ],
    [
      'self link',
      (w) => {
        w.links[1].to = 'orders';
      },
      '/links/1/to',
      /itself/,
    ],
    [
      'client as target',
      (w) => {
        w.links[1].to = 'shopper';
      },
      '/links/1/to',
      /is a client/,
    ],
    [
      'rps out of range',
      (w) => {
        w.services[0].config.rps = 1001;
      },
      '/services/0/config/rps',
      /<= 1000/,
    ],
    [
      'negative latency',
      (w) => {
        w.services[1].config.latencyMs = -1;
      },
      '/services/1/config/latencyMs',
      /between 0 and 60000/,
    ],
    [
      'latency range inverted',
      (w) => {
        w.services[2].config.latencyMs = { min: 30, max: 2 };
      },
      '/services/2/config/latencyMs/min',
      /must not exceed max/,
    ],
    [
      'error rate out of range',
      (w) => {
        w.services[1].config.errorRate = 1.5;
      },
      '/services/1/config/errorRate',
      /<= 1/,
    ],
    [
      'hop budget out of range',
      (w) => {
        w.settings.hopBudget = 65;
      },
      '/settings/hopBudget',
      /<= 64/,
    ],
    [
      'payload too big',
      (w) => {
        w.services[0].config.payloadBytes = 2 * 1024 * 1024;
      },
      '/services/0/config/payloadBytes',
      /<= 1048576/,
    ],
    [
      'unknown field on world',
      (w) => {
        w.colour = 'red';
      },
      '/colour',
      /unknown field "colour"/,
    ],
    [
      'unknown field on config',
      (w) => {
        w.services[1].config.retries = 3;
      },
      '/services/1/config/retries',
      /unknown field "retries"/,
    ],
    [
      'unknown field on link',
      (w) => {
        w.links[0].colour = 3;
      },
      '/links/0/colour',
      /unknown field "colour"/,
    ],
    [
      'client field on a service',
      (w) => {
        w.services[1].config.rps = 3;
      },
      '/services/1/config/rps',
      /unknown field "rps"/,
    ],
    [
      'wrong version',
      (w) => {
        w.version = 2;
      },
      '/version',
      /unsupported version 2/,
    ],
    [
      'duplicate link id',
      (w) => {
        w.links[1].id = 'l1';
      },
      '/links/1/id',
      /duplicate link id "l1"/,
    ],
    [
      'duplicate link pair',
      (w) => {
        w.links[2].to = 'payments';
      },
      '/links/2',
      /already exists/,
    ],
    [
      'missing rps',
      (w) => {
        delete w.services[0].config.rps;
      },
      '/services/0/config',
      /"rps" is required/,
    ],
    [
      'position not numbers',
      (w) => {
        w.services[0].position.x = 'left';
      },
      '/services/0/position/x',
      /must be a number/,
    ],
  ];

  it.each(cases)('rejects %s with a pointer that resolves', (_name, mutate, pointer, message) => {
    const w = clone(EXAMPLE_WORLD);
    mutate(w);
    const problems = problemsOf(w);
    expect(problems).toContainEqual({ pointer, message: expect.stringMatching(message) });
  });

  it('reports every problem at once', () => {
    const w: any = clone(EXAMPLE_WORLD);
    w.services[0].config.rps = -1;
    w.services[1].kind = 'robot';
    w.links[0].to = 'nowhere';
    const pointers = problemsOf(w).map((p) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/services/0/config/rps', '/services/1/kind', '/links/0/to']));
  });

  it('accepts a link policy of allow or deny, and says what else is wrong', () => {
    const w = clone(EXAMPLE_WORLD);
    w.links[0]!.policy = 'deny';
    w.links[1]!.policy = 'allow';
    expect(validateWorld(w).ok).toBe(true);
    const bad: any = clone(EXAMPLE_WORLD);
    bad.links[0].policy = 'block';
    const problems = problemsOf(bad);
    expect(problems).toContainEqual({
      pointer: '/links/0/policy',
      message: '"policy" must be "allow" or "deny", not "block"',
    });
  });

  it('accepts intruders, and refuses links to them, impostor links, and bad impersonations', () => {
    const w: any = clone(EXAMPLE_WORLD);
    w.services.push(
      { id: 'eve', kind: 'intruder', position: { x: 0, y: 0 }, config: { mode: 'no-cert', rps: 3 } },
      {
        id: 'mallory',
        kind: 'intruder',
        position: { x: 0, y: 0 },
        config: { mode: 'impostor', impersonates: 'orders' },
      },
    );
    w.links.push({ id: 'e1', from: 'eve', to: 'orders' });
    expect(validateWorld(w).ok).toBe(true);

    const bad: any = clone(w);
    bad.links.push({ id: 'x1', from: 'orders', to: 'eve' }, { id: 'x2', from: 'mallory', to: 'payments' });
    bad.services[5].config.impersonates = 'shopper';
    bad.services[4].config.impersonates = 'orders';
    bad.services.push({ id: 'zed', kind: 'intruder', position: { x: 0, y: 0 }, config: { mode: 'impostor' } });
    const problems = problemsOf(bad);
    const at = (pointer: string) => problems.find((p) => p.pointer === pointer)?.message;
    expect(at('/links/4/to')).toMatch(/"eve" is an intruder/);
    expect(at('/links/5/from')).toMatch(/"mallory" is an impostor/);
    expect(at('/services/5/config/impersonates')).toMatch(/"shopper" is a client/);
    expect(at('/services/4/config/impersonates')).toMatch(/only for mode "impostor"/);
    expect(at('/services/6/config')).toMatch(/"impersonates" is required/);
  });

  it('allows cycles: the hop budget ends them', () => {
    const w = clone(EXAMPLE_WORLD);
    w.links.push({ id: 'back', from: 'payments', to: 'orders' });
    expect(validateWorld(w).ok).toBe(true);
  });

  it('rejects things that are not worlds', () => {
    for (const input of [null, 3, 'world', [], { version: 1 }]) problemsOf(input);
  });

  it('escapes keys in pointers', () => {
    const w: any = clone(EXAMPLE_WORLD);
    w['a/b~c'] = 1;
    expect(problemsOf(w)).toContainEqual({ pointer: '/a~1b~0c', message: expect.any(String) });
  });
});

describe('restart policies, call policies and link weights', () => {
  const base = () => ({
    version: 1,
    name: 'w',
    services: [
      { id: 'c', kind: 'client', position: { x: 0, y: 0 }, config: { rps: 1, calls: { timeoutMs: 500, retries: 1 } } },
      {
        id: 'a',
        kind: 'service',
        position: { x: 0, y: 0 },
        restart: 'on-failure',
        config: { calls: { mode: 'weighted', retries: 2, backoffMs: 10, breaker: { failures: 3, openMs: 1000 } } },
      },
      { id: 'b', kind: 'service', position: { x: 0, y: 0 }, restart: 'always', config: {} },
    ],
    links: [
      { id: 'l1', from: 'c', to: 'a' },
      { id: 'l2', from: 'a', to: 'b', weight: 3 },
    ],
  });

  it('accepts the compose restart names, call policies and weights', () => {
    expect(validateWorld(base())).toMatchObject({ ok: true });
  });

  it('refuses an unknown restart policy, a mode on a client, a bad breaker and a negative weight, with pointers', () => {
    const world = base() as any;
    world.services[1].restart = 'never';
    world.services[0].config.calls.mode = 'sequence';
    world.services[1].config.calls.breaker = { failures: 0, openMs: 1000 };
    world.links[1].weight = -1;
    const result = validateWorld(world);
    expect(result.ok).toBe(false);
    const pointers = result.ok ? [] : result.problems.map((p) => p.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/services/1/restart',
        '/services/0/config/calls/mode',
        '/services/1/config/calls/breaker/failures',
        '/links/1/weight',
      ]),
    );
    const restart = result.ok ? undefined : result.problems.find((p) => p.pointer === '/services/1/restart');
    expect(restart?.message).toContain('no, on-failure, always');
  });
});

describe('replicas', () => {
  const world = (replicas: Record<string, unknown>) => {
    const w = clone(EXAMPLE_WORLD) as any;
    for (const [id, n] of Object.entries(replicas)) w.services.find((s: any) => s.id === id).replicas = n;
    return w;
  };

  it('accepts 1 to 10 copies of a service', () => {
    expect(validateWorld(world({ orders: 3, payments: 1, inventory: 10 }))).toMatchObject({ ok: true });
  });

  it('refuses 0, 11, 2.5 and "3" with a pointer to the field and the allowed range', () => {
    const problems = problemsOf(world({ orders: 0, payments: 11, inventory: 2.5 }));
    for (const at of ['/services/1/replicas', '/services/2/replicas', '/services/3/replicas']) {
      expect(problems).toContainEqual({ pointer: at, message: expect.stringContaining('from 1 to 10') });
    }
    expect(problemsOf(world({ orders: '3' }))).toContainEqual({
      pointer: '/services/1/replicas',
      message: '"replicas" must be a whole number from 1 to 10, not "3"',
    });
  });

  it('refuses replicas on a client, and says why', () => {
    expect(problemsOf(world({ shopper: 2 }))).toContainEqual({
      pointer: '/services/0/replicas',
      message: expect.stringContaining('its rps already says how much load it makes'),
    });
  });
});

describe('a gateway', () => {
  const gatewayWorld = (extra: Record<string, unknown> = {}, links: unknown[] = []) => ({
    version: 1,
    name: 'door',
    services: [
      { id: 'gw', kind: 'gateway', position: { x: 0, y: 0 }, config: {}, ...extra },
      { id: 'orders', kind: 'service', position: { x: 0, y: 0 }, config: {} },
    ],
    links: [{ id: 'l1', from: 'gw', to: 'orders' }, ...links],
  });

  it('is a kind of its own: it may link to a service and take a TLS door and a publish port', () => {
    expect(validateWorld(gatewayWorld()).ok).toBe(true);
    expect(
      validateWorld({
        ...gatewayWorld(),
        services: [
          { ...gatewayWorld().services[0], config: { tls: true, publishPort: 8080 } },
          gatewayWorld().services[1],
        ],
      }).ok,
    ).toBe(true);
  });

  it('may not be called, run copies, or take a field of another kind, and says why', () => {
    const problems = problemsOf(gatewayWorld({ replicas: 2 }, [{ id: 'l2', from: 'orders', to: 'gw' }]));
    expect(problems).toContainEqual({
      pointer: '/links/1/to',
      message: expect.stringMatching(/"gw" is a gateway: .*door from outside/),
    });
    expect(problems).toContainEqual({
      pointer: '/services/0/replicas',
      message: expect.stringMatching(/not for a gateway: a gateway is one door/),
    });
    expect(
      problemsOf({
        ...gatewayWorld(),
        services: [{ ...gatewayWorld().services[0], config: { latencyMs: 5 } }, gatewayWorld().services[1]],
      }),
    ).toContainEqual({
      pointer: '/services/0/config/latencyMs',
      message: 'unknown field "latencyMs" is not allowed here',
    });
  });

  it('names every kind when one is unknown', () => {
    expect(
      problemsOf({
        ...gatewayWorld(),
        services: [{ id: 'db', kind: 'database', position: { x: 0, y: 0 }, config: {} }],
        links: [],
      }),
    ).toEqual([
      {
        pointer: '/services/0/kind',
        message: 'unknown kind "database": use one of client, service, process, gateway, queue, store, intruder',
      },
    ]);
  });
});

describe('queues and stores', () => {
  const world = (services: unknown[], links: unknown[] = []) => ({ version: 1, name: 'w', services, links });
  const at = (id: string, kind: string, config: unknown = {}, extra: object = {}) => ({
    id,
    kind,
    position: { x: 0, y: 0 },
    config,
    ...extra,
  });

  it('takes a shop with an order queue, a worker and a store', () => {
    const ok = validateWorld(
      world(
        [
          at('shop', 'client', { rps: 5 }),
          at('orders', 'queue', { maxAttempts: 3, durable: false }),
          at('worker', 'service', { store: { readShare: 0.5, writeShare: 0.5, keys: 10, valueBytes: 0 } }),
          at('db', 'store', { maxKeys: 100 }),
        ],
        [
          { id: 'l1', from: 'shop', to: 'orders' },
          { id: 'l2', from: 'orders', to: 'worker' },
          { id: 'l3', from: 'worker', to: 'db' },
        ],
      ),
    );
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
  });

  it('says why a store has no links of its own, why neither runs copies, and what a bad config is', () => {
    expect(
      problemsOf(
        world(
          [
            at('db', 'store', { maxKeys: 0 }, { replicas: 2 }),
            at('q', 'queue', { inFlightPerConsumer: 1000 }, { replicas: 2 }),
            at('app', 'service', { store: { readShare: 0.7, writeShare: 0.6 } }),
          ],
          [{ id: 'l1', from: 'db', to: 'app' }],
        ),
      ),
    ).toEqual(
      expect.arrayContaining([
        {
          pointer: '/links/0/from',
          message: '"db" is a store: it answers GET/PUT/DELETE of keys and calls no one, so it has no links of its own',
        },
        {
          pointer: '/services/0/replicas',
          message:
            '"replicas" is not for a store: a store is one process with one log: its data would split between copies',
        },
        expect.objectContaining({ pointer: '/services/0/config/maxKeys' }),
        expect.objectContaining({ pointer: '/services/1/replicas' }),
        expect.objectContaining({ pointer: '/services/1/config/inFlightPerConsumer' }),
        {
          pointer: '/services/2/config/store',
          message:
            '"readShare" (0.7) and "writeShare" (0.6) add up to more than 1: the rest of the store calls are deletes',
        },
      ]),
    );
  });
});
