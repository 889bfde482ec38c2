import { EXAMPLE_WORLD, validateWorld } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { TEMPLATES } from './templates';
import { parseWorldFile, worldFileName } from './world-file';

describe('templates', () => {
  it.each(TEMPLATES.map((t) => [t.key, t] as const))('%s is a valid world', (_key, template) => {
    expect(validateWorld(template.world)).toMatchObject({ ok: true });
  });
});

describe('world files', () => {
  it('reads a world, or an exported record', () => {
    expect(parseWorldFile(JSON.stringify(EXAMPLE_WORLD), 'shop.json')).toEqual({ ok: true, world: EXAMPLE_WORLD });
    const record = { id: 'shop-abc123', rev: 3, world: EXAMPLE_WORLD };
    expect(parseWorldFile(JSON.stringify(record), 'x.json')).toEqual({ ok: true, world: EXAMPLE_WORLD });
  });

  it('says where the JSON breaks, and every problem of an invalid world with its pointer', () => {
    const broken = parseWorldFile('{"version": 1,', 'broken.json');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.message).toMatch(/^broken\.json is not JSON: /);
    const bad = { ...EXAMPLE_WORLD, links: [{ id: 'l1', from: 'shopper', to: 'nowhere' }] };
    const invalid = parseWorldFile(JSON.stringify(bad), 'bad.json');
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.problems.some((p) => p.pointer.startsWith('/links/0'))).toBe(true);
  });

  it('names exports after the world', () => {
    expect(worldFileName('Gateway Shop!')).toBe('gateway-shop.world.json');
    expect(worldFileName('***')).toBe('world.world.json');
  });
});
