// Service processes and the guardian get an environment built on purpose, not the controller's: with DW_TOKEN
// and a secret-looking variable in the controller's environment, a real deployed service's /proc/<pid>/environ
// holds DW_SPAWN_CONFIG and the IPC channel's variables node adds, nothing else; the guardian's only the latter;
// both still do their work.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { TrafficFrame } from '@dw/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployedWorld, deployWatched } from '../testing/deployed-world.js';
import { isAlive, waitFor } from '../testing/temp-app.js';
import { PAIR_WORLD } from '../testing/worlds.js';
import { Guardian } from './guardian.js';

const TOKEN = 'controller-token-that-no-service-may-see';
const SECRET = 'AKIAEXAMPLE-secret-access-key-0123456789';
const saved = { DW_TOKEN: process.env.DW_TOKEN, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };

/** A process's environment as the kernel keeps it. */
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** This test process's children running `node -e` (the guardian). */
function guardianPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        return ppid === process.pid && argv[1] === '-e';
      } catch {
        return false;
      }
    })
    .map(Number);
}

const frames: TrafficFrame[] = [];
let deployed: DeployedWorld;

beforeAll(async () => {
  process.env.DW_TOKEN = TOKEN;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET;
  deployed = await deployWatched(PAIR_WORLD, frames);
});

afterAll(async () => {
  deployed?.socket.close();
  await deployed?.t.close();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('the environment of what the controller spawns', () => {
  it('a service process gets DW_SPAWN_CONFIG and nothing else, and serves', async () => {
    const status = (await deployed.t.app.inject(`/api/worlds/${deployed.worldId}/deploy`)).json() as {
      services: { id: string; pid: number }[];
    };
    expect(status.services).toHaveLength(2);
    for (const service of status.services) {
      const env = environOf(service.pid);
      // NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE: node's own, for the IPC channel it opened
      expect(
        [...env.keys()].filter((k) => !k.startsWith('NODE_CHANNEL_')),
        `environment of ${service.id}`,
      ).toEqual(['DW_SPAWN_CONFIG']);
      const raw = readFileSync(`/proc/${service.pid}/environ`, 'utf8');
      expect(raw).not.toContain(TOKEN);
      expect(raw).not.toContain(SECRET);
    }
    // and they still run: the client's calls reach the service over mTLS
    await waitFor('calls on caller->callee', () =>
      frames.some((f) => f.links.some((l) => l.id === 'l1' && l.requests - l.errors > 0)) ? true : undefined,
    );
  });

  it('the guardian gets only its IPC channel, and still kills what it was told of when its channel closes', async () => {
    const [pid] = guardianPids();
    expect(pid, 'the deployment started a guardian').toBeDefined();
    const env = environOf(pid as number);
    expect([...env.keys()].filter((k) => !k.startsWith('NODE_CHANNEL_'))).toEqual([]);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(TOKEN);

    // A guardian of our own, told of a process of ours: closing its channel makes it SIGKILL that process.
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const guardian = new Guardian();
    try {
      guardian.track(sleeper.pid as number, true);
      const own = guardian.pid as number;
      expect([...environOf(own).keys()].filter((k) => !k.startsWith('NODE_CHANNEL_'))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the pid message is on its way
      guardian.close();
      await waitFor('the sleeper killed by the guardian', () => (isAlive(sleeper.pid as number) ? undefined : true));
      expect(sleeper.signalCode ?? (await new Promise((r) => sleeper.once('exit', (_c, s) => r(s))))).toBe('SIGKILL');
    } finally {
      sleeper.kill('SIGKILL');
      guardian.close();
    }
  });
});
