// A seeded generator of valid worlds, for property tests: same seed, same world.
import type { Link, World, WorldService } from '@dw/world';

/** mulberry32: small, fast, good enough to vary test input. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomWorld(seed: number): World {
  const random = seededRandom(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]) => items[int(items.length)] as T;
  const label = () => {
    const length = 1 + int(20);
    let id = pick([...'abcdefghijklmnopqrstuvwxyz']);
    for (let i = 1; i < length; i++) id += i === length - 1 ? pick([...LABEL_CHARS]) : pick([...`${LABEL_CHARS}-`]);
    return id;
  };

  const count = int(12);
  const ids = new Set<string>();
  while (ids.size < count) ids.add(label());
  const services: WorldService[] = [...ids].map((id) => {
    const position = { x: random() * 2000 - 1000, y: random() * 2000 - 1000 };
    if (random() < 0.3) {
      const config = random() < 0.5 ? { rps: int(1001) } : { rps: random() * 1000, payloadBytes: int(1024 * 1024 + 1) };
      return { id, kind: 'client', position, config };
    }
    const min = random() * 1000;
    const latencyMs = pick([undefined, int(60_001), { min, max: min + random() * 1000 }]);
    const config: { latencyMs?: number | { min: number; max: number }; errorRate?: number } = {};
    if (latencyMs !== undefined) config.latencyMs = latencyMs;
    if (random() < 0.7) config.errorRate = random();
    return { id, kind: 'service', position, config };
  });

  const callees = services.filter((s) => s.kind === 'service').map((s) => s.id);
  const links: Link[] = [];
  const pairs = new Set<string>();
  const wanted = services.length > 0 && callees.length > 0 ? int(services.length * 2) : 0;
  for (let i = 0; i < wanted; i++) {
    const from = pick(services).id;
    const to = pick(callees);
    if (from === to || pairs.has(`${from}>${to}`)) continue;
    pairs.add(`${from}>${to}`);
    links.push({ id: `l${i}-${int(1000)}`, from, to });
  }
  const world: World = {
    version: 1,
    name: `world ${seed} ${pick(['shop', 'Bank', 'ÉTÉ', '  x', '🚀'])}`,
    services,
    links,
  };
  if (random() < 0.5) world.settings = random() < 0.5 ? {} : { hopBudget: 1 + int(64) };
  return world;
}
