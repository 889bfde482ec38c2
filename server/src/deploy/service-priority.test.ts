import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lowerPriority, nicenessFor, PROCESSES_PER_CORE, parseServiceNiceness } from './service-priority.js';

describe('service priority', () => {
  it('reads DW_SERVICE_NICE as a whole number from 0 to 19, and says what is wrong otherwise', () => {
    expect(parseServiceNiceness(undefined)).toBeUndefined();
    expect(parseServiceNiceness(' ')).toBeUndefined();
    expect(parseServiceNiceness('0')).toBe(0);
    expect(parseServiceNiceness('19')).toBe(19);
    for (const bad of ['20', '-1', '2.5', 'low']) {
      expect(() => parseServiceNiceness(bad)).toThrow(`DW_SERVICE_NICE must be a whole number from 0`);
      expect(() => parseServiceNiceness(bad)).toThrow(JSON.stringify(bad));
    }
  });

  it('lowers only a world of more than PROCESSES_PER_CORE processes a core', () => {
    expect(nicenessFor(PROCESSES_PER_CORE * 2, 10, 2)).toBe(0);
    expect(nicenessFor(PROCESSES_PER_CORE * 2 + 1, 10, 2)).toBe(10);
    expect(nicenessFor(PROCESSES_PER_CORE * 2 + 1, 0, 2)).toBe(0);
    expect(nicenessFor(PROCESSES_PER_CORE + 1, 10, 0)).toBe(10); // no core reported: counted as one
  });

  it('sets the niceness of a running process, and says why when it cannot', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      expect(lowerPriority(pid, 10)).toBeUndefined();
      expect(getPriority(pid)).toBe(10);
    } finally {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    }
    expect(lowerPriority(child.pid as number, 10)).toMatch(
      /could not lower the priority of pid \d+ to nice 10: .*ESRCH/,
    );
  });
});
