import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';

interface Events {
  frame: { at: number };
  log: string;
}

describe('EventBus', () => {
  it('hands each event to the listeners of its type, in the order they subscribed, until they unsubscribe', () => {
    const bus = new EventBus<Events>();
    const seen: string[] = [];
    const offFirst = bus.on('frame', (f) => seen.push(`first ${f.at}`));
    bus.on('frame', (f) => seen.push(`second ${f.at}`));
    bus.on('log', (line) => seen.push(`log ${line}`));
    bus.emit('frame', { at: 1 });
    offFirst();
    bus.emit('frame', { at: 2 });
    bus.emit('log', 'hello');
    expect(seen).toEqual(['first 1', 'second 1', 'second 2', 'log hello']);
    expect(bus.listenerCount('frame')).toBe(1);
  });

  it('does not let a listener that throws keep the others from an event, and says what it threw', () => {
    const bus = new EventBus<Events>();
    const seen: number[] = [];
    bus.on('frame', () => {
      throw new Error('a broken watcher');
    });
    bus.on('frame', (f) => seen.push(f.at));
    expect(() => bus.emit('frame', { at: 7 })).toThrow('a broken watcher');
    expect(seen).toEqual([7]);
  });
});
