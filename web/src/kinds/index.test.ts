import { readFileSync } from 'node:fs';
import { KIND_LIST, kindOf } from '@dw/world';
import { describe, expect, it } from 'vitest';
import { callPolicyShape } from '../inspector/call-policy-fields';
import { kindNote } from '../inspector/node-inspector';
import { entryOf, nodeTypes, PALETTE } from '.';

const MEMO = Symbol.for('react.memo');
const kinds = KIND_LIST.map((k) => k.kind);

describe('the kind registry', () => {
  it('has an entry for every kind of the world, under its own name', () => {
    for (const kind of kinds) {
      const entry = entryOf(kind);
      expect(entry, kind).toBeDefined();
      expect(entry.kind).toBe(kind);
      expect(typeof entry.Fields, kind).toBe('function');
      expect(['accepted', 'sent']).toContain(entry.live);
    }
  });

  it("gives React Flow a memo view for every kind, and nothing else (nodeTypes' keys are the kinds)", () => {
    expect(Object.keys(nodeTypes).sort()).toEqual([...kinds].sort());
    for (const kind of kinds) {
      expect(nodeTypes[kind], kind).toBe(entryOf(kind).View);
      expect((nodeTypes[kind] as unknown as { $$typeof: symbol }).$$typeof, kind).toBe(MEMO);
    }
  });

  it("lists every kind in the palette, in the world's order, with its words", () => {
    expect(PALETTE.map((p) => p.kind)).toEqual(kinds);
    for (const item of PALETTE) {
      expect(item.title.length, item.kind).toBeGreaterThan(0);
      expect(item.summary, item.kind).toMatch(/^[A-Z].*[.!?]$/);
    }
    expect(PALETTE.find((p) => p.kind === 'service')?.title).toBe(kindOf('service').title);
  });

  it("colours every kind from its own stylesheet: kinds/<kind>/<kind>.css sets --dw-kind and the entry's colour", () => {
    for (const kind of kinds) {
      const css = readFileSync(new URL(`./${kind}/${kind}.css`, import.meta.url), 'utf8');
      const property = /^var\((--[a-z-]+)\)$/.exec(entryOf(kind).colour)?.[1];
      expect(property, `${kind}: colour should be var(--…)`).toBeDefined();
      expect(css, kind).toContain(`${property}:`);
      expect(css, kind).toMatch(new RegExp(`\\.dw-kind--${kind} \\{\\s*--dw-kind: var\\(${property}\\);`));
    }
  });
});

describe('kind colours', () => {
  it('tells every kind apart: no two kinds share a colour, in the light or the dark theme', () => {
    for (const theme of [0, 1]) {
      const colours = kinds.map((kind) => {
        const css = readFileSync(new URL(`./${kind}/${kind}.css`, import.meta.url), 'utf8');
        const property = /^var\((--[a-z-]+)\)$/.exec(entryOf(kind).colour)?.[1] as string;
        const values = [...css.matchAll(new RegExp(`${property}:\\s*(#[0-9a-f]{3,8})`, 'gi'))].map((m) => m[1]);
        return `${values[theme] ?? values[0]}`.toLowerCase();
      });
      expect(new Set(colours).size, `${theme ? 'dark' : 'light'}: ${kinds.map((k, i) => `${k} ${colours[i]}`)}`).toBe(
        kinds.length,
      );
    }
  });
});

describe('what the inspector reads from the world descriptors', () => {
  it('offers the restart and call policy fields a kind has, and a call mode only where its config has one', () => {
    expect(callPolicyShape(kindOf('service'))).toEqual({ restart: true, calls: true, modes: true });
    expect(callPolicyShape(kindOf('client'))).toEqual({ restart: true, calls: true, modes: false });
    expect(callPolicyShape(kindOf('gateway'))).toEqual({ restart: true, calls: true, modes: false });
    expect(callPolicyShape(kindOf('intruder'))).toEqual({ restart: false, calls: false, modes: false });
  });

  it('says what a kind is and what its facts forbid', () => {
    expect(kindNote(kindOf('gateway'))).toMatch(/^The door from outside: .*\. Cannot be called\.$/);
    expect(kindNote(kindOf('intruder'))).toContain('Its links are routes, never permissions. Cannot be called.');
    expect(kindNote(kindOf('service'))).not.toContain('Cannot be called');
  });
});
