// The start order as pure functions: ranks (callees first, a cycle shares one rank) and which may start now.
import { describe, expect, it } from 'vitest';
import { nextToStart, startRanks } from './start-order.js';

const graph = (edges: object) => new Map(Object.entries(edges as Record<string, string[]>));

describe('startRanks', () => {
  it.each([
    { name: 'nobody calls anybody', calls: { a: [], b: [] }, ranks: { a: 0, b: 0 } },
    { name: 'a chain: the last callee first', calls: { a: ['b'], b: ['c'], c: [] }, ranks: { a: 2, b: 1, c: 0 } },
    {
      name: 'a tree: leaves first, the root last',
      calls: { root: ['x', 'y'], x: ['x1', 'x2'], y: [], x1: [], x2: [] },
      ranks: { root: 2, x: 1, y: 0, x1: 0, x2: 0 },
    },
    {
      name: 'a diamond: one above the longest way down',
      calls: { a: ['b', 'd'], b: ['c'], c: ['d'], d: [] },
      ranks: { a: 3, b: 2, c: 1, d: 0 },
    },
    {
      name: 'a cycle shares one rank, above what it calls, below who calls it',
      calls: { top: ['p'], p: ['q'], q: ['p', 'leaf'], leaf: [] },
      ranks: { top: 2, p: 1, q: 1, leaf: 0 },
    },
    { name: 'a node that calls itself', calls: { a: ['a'] }, ranks: { a: 0 } },
    {
      name: 'callees that do not start with these are left out',
      calls: { a: ['kept-running'], b: ['a'] },
      ranks: { a: 0, b: 1 },
    },
  ])('$name', ({ calls, ranks }) => {
    expect(Object.fromEntries(startRanks(graph(calls)))).toEqual(ranks);
  });

  it('ranks a chain of 5,000 without overflowing the stack', () => {
    const calls = new Map(Array.from({ length: 5000 }, (_, i) => [`s${i}`, i < 4999 ? [`s${i + 1}`] : []]));
    const ranks = startRanks(calls);
    expect(ranks.get('s0')).toBe(4999);
    expect(ranks.get('s4999')).toBe(0);
  });
});

describe('nextToStart', () => {
  const leaf = (id: string) => ({ id, waitsFor: [] });
  const mid = { id: 'mid', waitsFor: ['leaf1', 'leaf2'] };
  const top = { id: 'top', waitsFor: ['mid'] };
  it.each([
    {
      name: 'room for all: only those that wait for nobody',
      waiting: [leaf('leaf1'), leaf('leaf2'), mid, top],
      unsettled: ['leaf1', 'leaf2', 'mid', 'top'],
      room: 10,
      starts: ['leaf1', 'leaf2'],
    },
    {
      name: 'no more than the room, in order',
      waiting: [leaf('leaf1'), leaf('leaf2'), leaf('leaf3'), mid],
      unsettled: ['leaf1', 'leaf2', 'leaf3', 'mid'],
      room: 2,
      starts: ['leaf1', 'leaf2'],
    },
    { name: 'no room: nothing', waiting: [leaf('leaf1')], unsettled: ['leaf1'], room: 0, starts: [] },
    {
      name: 'one callee still starting holds its caller back',
      waiting: [mid, top],
      unsettled: ['leaf2', 'mid', 'top'],
      room: 10,
      starts: [],
    },
    {
      name: 'callees settled: the caller starts',
      waiting: [mid, top],
      unsettled: ['mid', 'top'],
      room: 10,
      starts: ['mid'],
    },
    { name: 'then its own caller', waiting: [top], unsettled: ['top'], room: 10, starts: ['top'] },
  ])('$name', ({ waiting, unsettled, room, starts }) => {
    expect(nextToStart(waiting, new Set(unsettled), room)).toEqual(starts);
  });
});
