// The editor in headless Chromium on a 100-service, 150-link world at about 2 requests per second per link (or N
// services and 1.5 N links of the same shape, BENCH_BROWSER_N):
// frame rate by requestAnimationFrame sampling, and the share of main-thread time spent in long tasks (> 50 ms),
// measured with the world idle (the reference) and then deployed, with the page's own particle counter.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { World } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { chromium } from '@playwright/test';
import type { Controller } from './controller.js';

export interface BrowserResult {
  phase: 'idle' | 'live';
  seconds: number;
  fps: number;
  longTaskShare: number;
  longTasks: number;
  /** Dots drawn per second (the page's window.__dwParticles), and new dots per second (one per message). */
  particlesPerSec: number;
  spawnedPerSec: number;
  /**
   * The page's own work, from Chromium's performance metrics (CDP Performance.getMetrics) over the same seconds:
   * the share of wall time its main thread spent running tasks, and within that script, style and layout.
   */
  pageBusyShare: number;
  scriptShare: number;
  styleLayoutShare: number;
  /**
   * CPU used meanwhile, in cores (2 = both of this machine's): by the page (all of Chromium's processes) and by
   * the world it shows (the controller and every service process). From /proc, so it does not depend on how busy
   * the machine is the way frame rates do.
   */
  pageCores: number;
  worldCores: number;
  /** Of the world's: the controller's (it takes every service's telemetry and sends the frames). */
  controllerCores: number;
  /** The world measured: services, links, each client's requests a second per link. */
  world: { services: number; links: number; rps: number };
  /** Live phase: whether the page drew 80% of the expected messages before it was measured, and how long it took. */
  settled?: { ok: boolean; seconds: number; newDotsPerSec: number; expected: number };
}

/** 34 clients, 33 middle services, 33 leaves; every link carries its client's 2 req/s (world/fixtures/). */
export function bigWorld(): World {
  return fixtureWorld('browser-bench');
}

/**
 * The fixture's shape at n services (n >= 9) and 1.5 n links: a third middle services, a third leaves, the rest
 * clients; client i calls middle i, middle i calls 3 leaves spread over the others, and the clients left without
 * a middle (if any) share direct calls to leaves until there are 1.5 n links. At n = 100 it has the fixture's
 * links and counts (34, 33, 33; 150 links). Laid out in blocks of 3 columns per kind, as the fixture is.
 */
export function scaledWorld(n: number, rps = 2): World {
  if (!Number.isInteger(n) || n < 9) throw new Error(`a scaled browser world needs at least 9 services, not ${n}`);
  const third = Math.floor(n / 3);
  const clients = n - 2 * third;
  const service = { latencyMs: { min: 1, max: 20 }, errorRate: 0.01 };
  const at = (block: number, i: number) => ({ x: block * 900 + (i % 3) * 220, y: Math.floor(i / 3) * 220 });
  const services: World['services'] = [];
  for (let i = 0; i < clients; i++) services.push({ id: `c${i}`, kind: 'client', position: at(0, i), config: { rps } });
  for (let i = 0; i < third; i++) services.push({ id: `m${i}`, kind: 'service', position: at(1, i), config: service });
  for (let i = 0; i < third; i++) services.push({ id: `f${i}`, kind: 'service', position: at(2, i), config: service });
  const links: World['links'] = [];
  const link = (from: string, to: string) => links.push({ id: `l${links.length + 1}`, from, to });
  for (let i = 0; i < third; i++) link(`c${i}`, `m${i}`);
  const step = Math.max(1, Math.floor(third / 3));
  for (let i = 0; i < third; i++) for (let k = 0; k < 3; k++) link(`m${i}`, `f${(i + k * step) % third}`);
  const want = Math.floor(n * 1.5);
  // the clients left without a middle (or, when there are none, every client) share them
  const [first, count] = clients > third ? [third, clients - third] : [0, clients];
  for (let j = 0; links.length < want; j++) link(`c${first + (j % count)}`, `f${Math.floor(j / count) % third}`);
  return { ...bigWorld(), name: `browser-bench-${n}`, services, links };
}

const MEASURE = `async (ms) => {
  const longTasks = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
  observer.observe({ type: 'longtask', buffered: false });
  let frames = 0, particles = 0, spawned = 0, samples = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = (now) => {
      frames++;
      if (now - t0 >= ms) resolve(); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const poll = setInterval(() => { particles += window.__dwParticles ?? 0; spawned += window.__dwParticleStats?.spawnedPerSecond ?? 0; samples++; if (performance.now() - t0 >= ms) clearInterval(poll); }, 1000);
  });
  observer.disconnect();
  const seconds = (performance.now() - t0) / 1000;
  const longMs = longTasks.reduce((a, b) => a + b, 0);
  return { seconds, fps: frames / seconds, longTaskShare: longMs / (seconds * 1000), longTasks: longTasks.length, particlesPerSec: samples ? particles / samples : 0, spawnedPerSec: samples ? spawned / samples : 0 };
}`;

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface ProcInfo {
  pid: number;
  ppid: number;
  cmd: string;
  cpuSeconds: number;
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        cmd,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function descendsFrom(p: ProcInfo, byPid: Map<number, ProcInfo>, ancestor: number): boolean {
  for (let q: ProcInfo | undefined = p, depth = 0; q && depth < 12; q = byPid.get(q.ppid), depth++) {
    if (q.ppid === ancestor) return true;
  }
  return false;
}

/**
 * CPU seconds (user + system, from /proc) used so far by the world (this checkout's controller and its service
 * processes) and by the page (every Chromium process this benchmark started: browser, renderer, compositor).
 */
function cpuSeconds(): { world: number; controller: number; page: number } {
  const all = processes();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  let world = 0;
  let controller = 0;
  let page = 0;
  for (const p of all) {
    if (p.cmd.includes(`${REPO}server/dist/main.js`)) {
      world += p.cpuSeconds;
      controller += p.cpuSeconds;
    } else if (p.cmd.includes(`${REPO}services/dist/main.js`)) {
      world += p.cpuSeconds;
    } else if (p.cmd.includes('chromium') && descendsFrom(p, byPid, process.pid)) page += p.cpuSeconds;
  }
  return { world, controller, page };
}

export interface BrowserRun {
  /** How long each phase is measured. */
  measureMs: number;
  /** Services in the world (100: the fixture; else scaledWorld's shape), and each client's calls a second per link. */
  services: number;
  rps: number;
  /** How long the live phase waits, at most, for the world to carry what it should. */
  settleMs: number;
}

export async function runBrowser(
  controller: Controller,
  { measureMs, services: n, rps, settleMs: settleLimit }: BrowserRun,
): Promise<BrowserResult[]> {
  const world = n === 100 && rps === 2 ? bigWorld() : scaledWorld(n, rps);
  const record = await controller.create(world);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const results: BrowserResult[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${controller.base}/?world=${record.id}`);
    await page.waitForSelector('[data-testid="node-c0"]');
    await page.waitForTimeout(1000);
    // BENCH_BROWSER_PAGE_NICE=-10: give Chromium's processes that priority (root only), so that on a shared
    // machine the page gets the CPU it asks for and its own cost shows apart from its neighbours'.
    const pageNice = process.env.BENCH_BROWSER_PAGE_NICE;
    if (pageNice) {
      const all = processes();
      const byPid = new Map(all.map((p) => [p.pid, p]));
      for (const p of all) {
        if (!p.cmd.includes('chromium') || !descendsFrom(p, byPid, process.pid)) continue;
        // every thread: the compositor and raster threads matter as much as the main one
        for (const task of readdirSync(`/proc/${p.pid}/task`)) setPriority(Number(task), Number(pageNice));
      }
    }
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
    };
    const measure = async (phase: BrowserResult['phase'], settled?: BrowserResult['settled']) => {
      const before = await metrics();
      const cpuBefore = cpuSeconds();
      const wallStart = performance.now();
      const r = (await page.evaluate(`(${MEASURE})(${measureMs})`)) as Omit<
        BrowserResult,
        'phase' | 'pageBusyShare' | 'scriptShare' | 'styleLayoutShare' | 'pageCores' | 'worldCores' | 'controllerCores'
      >;
      const after = await metrics();
      const cpuAfter = cpuSeconds();
      const wall = (performance.now() - wallStart) / 1000;
      const cores = (seconds: number) => Math.round((seconds / wall) * 100) / 100;
      const share = (...names: string[]) =>
        Math.round((names.reduce((sum, n) => sum + ((after[n] ?? 0) - (before[n] ?? 0)), 0) / wall) * 1000) / 1000;
      const rounded = {
        phase,
        seconds: Math.round(r.seconds * 10) / 10,
        fps: Math.round(r.fps * 10) / 10,
        longTaskShare: Math.round(r.longTaskShare * 1000) / 1000,
        longTasks: r.longTasks,
        particlesPerSec: Math.round(r.particlesPerSec),
        spawnedPerSec: Math.round(r.spawnedPerSec),
        pageBusyShare: share('TaskDuration'),
        scriptShare: share('ScriptDuration'),
        styleLayoutShare: share('RecalcStyleDuration', 'LayoutDuration'),
        pageCores: cores(cpuAfter.page - cpuBefore.page),
        worldCores: cores(cpuAfter.world - cpuBefore.world),
        controllerCores: cores(cpuAfter.controller - cpuBefore.controller),
      };
      const measured = {
        ...rounded,
        world: { services: world.services.length, links: world.links.length, rps },
        ...(settled ? { settled } : {}),
      };
      results.push(measured);
      process.stdout.write(`  browser ${phase}: ${JSON.stringify(measured)}\n`);
    };
    await measure('idle');
    const readyWithin = Math.max(120_000, n * 1000);
    const notReady = await controller.deploy(record.id, readyWithin, { tolerateNotReady: true });
    if (notReady.length > 0)
      process.stdout.write(
        `  browser: ${notReady.length} not ready after ${readyWithin / 1000} s: ${notReady.slice(0, 10).join(', ')}\n`,
      );
    await page.waitForFunction('(window.__dwParticles ?? 0) > 0', null, { timeout: 30_000 });
    await page.waitForTimeout(3000);
    // A large world keeps starting up after it is ready (callers' first connections, a machine still busy with
    // the starts): the live phase waits until the page draws at least 80% of the messages the world should
    // carry (its clients' rate on every link) for 5 seconds in a row, at most BENCH_BROWSER_SETTLE_MS (default
    // 120 s).
    const expected = rps * world.links.length;
    const settleStart = Date.now();
    let steady = 0;
    let seen = 0;
    while (steady < 5 && Date.now() - settleStart < settleLimit) {
      await page.waitForTimeout(1000);
      seen = Number(await page.evaluate('window.__dwParticleStats?.spawnedPerSecond ?? 0'));
      steady = seen >= 0.8 * expected ? steady + 1 : 0;
    }
    const settledAfter = Math.round((Date.now() - settleStart) / 100) / 10;
    process.stdout.write(
      steady >= 5
        ? `  browser: settled after ${settledAfter} s (${seen} new dots/s, ${expected} messages/s expected)\n`
        : `  browser: NOT settled after ${settledAfter} s (${seen} new dots/s of ${expected} expected); measuring anyway\n`,
    );
    // BENCH_BROWSER_PROFILE=<file>: a V8 CPU profile of the page's main thread during the live phase
    const profileFile = process.env.BENCH_BROWSER_PROFILE;
    if (profileFile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    // BENCH_BROWSER_TRACE=<file>: a Chromium trace (devtools timeline) of the live phase, for chrome://tracing
    const traceFile = process.env.BENCH_BROWSER_TRACE;
    if (traceFile) await browser.startTracing(page, { path: traceFile, screenshots: false });
    await measure('live', { ok: steady >= 5, seconds: settledAfter, newDotsPerSec: seen, expected });
    if (traceFile) await browser.stopTracing();
    if (profileFile) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
    }
    await page.screenshot({ path: 'results/browser-live.png' });
  } finally {
    await browser.close();
    await controller.stopDeployment(record.id).catch(() => {});
  }
  return results;
}
