import { spawn, spawnSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  LARGE_WORLD_NODE_OPTIONS,
  lowerPriority,
  nicenessFor,
  nodeOptionsFor,
  PROCESSES_PER_CORE,
  parseServiceNiceness,
} from './service-priority.js';

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

  it("starts only a large world's services with WebAssembly on Liftoff only, and node accepts that option", () => {
    expect(nodeOptionsFor(PROCESSES_PER_CORE * 2, 2)).toEqual([]);
    expect(nodeOptionsFor(PROCESSES_PER_CORE * 2 + 1, 2)).toEqual(['--liftoff-only']);
    // an option this node does not know would stop every service of a large world at its start
    const run = spawnSync(
      process.execPath,
      [...LARGE_WORLD_NODE_OPTIONS, '-e', 'new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))'],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
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
