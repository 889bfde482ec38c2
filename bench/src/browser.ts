// The editor in headless Chromium on a 100-service, 150-link world at about 2 requests per second per link:
// frame rate by requestAnimationFrame sampling, and the share of main-thread time spent in long tasks (> 50 ms),
// measured with the world idle (the reference) and then deployed, with the page's own particle counter.

import type { World } from '@dw/world';
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
}

/** 34 clients, 33 middle services, 33 leaves; every link carries its client's 2 req/s. */
export function bigWorld(): World {
  const clients = Array.from({ length: 34 }, (_, i) => `c${i}`);
  const mids = Array.from({ length: 33 }, (_, i) => `m${i}`);
  const leaves = Array.from({ length: 33 }, (_, i) => `f${i}`);
  const links: World['links'] = [];
  const link = (from: string, to: string) => {
    links.push({ id: `l${links.length + 1}`, from, to });
  };
  mids.forEach((m, i) => {
    link(clients[i] as string, m);
  });
  mids.forEach((m, i) => {
    for (let k = 0; k < 3; k++) link(m, leaves[(i + k * 11) % 33] as string);
  });
  for (let k = 0; k < 18; k++) link('c33', leaves[k] as string);
  const col = (ids: string[], x: number, kind: 'client' | 'service') =>
    ids.map((id, i) => ({
      id,
      kind,
      position: { x: x + (i % 3) * 220, y: Math.floor(i / 3) * 110 },
      config: kind === 'client' ? { rps: 2 } : { latencyMs: { min: 1, max: 20 }, errorRate: 0.01 },
    }));
  return {
    version: 1,
    name: 'browser-bench',
    settings: { hopBudget: 8 },
    services: [...col(clients, 0, 'client'), ...col(mids, 900, 'service'), ...col(leaves, 1800, 'service')],
    links,
  } as World;
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

export async function runBrowser(controller: Controller, measureMs: number): Promise<BrowserResult[]> {
  const record = await controller.create(bigWorld());
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
    const measure = async (phase: BrowserResult['phase']) => {
      const r = (await page.evaluate(`(${MEASURE})(${measureMs})`)) as Omit<BrowserResult, 'phase'>;
      const rounded = {
        phase,
        seconds: Math.round(r.seconds * 10) / 10,
        fps: Math.round(r.fps * 10) / 10,
        longTaskShare: Math.round(r.longTaskShare * 1000) / 1000,
        longTasks: r.longTasks,
        particlesPerSec: Math.round(r.particlesPerSec),
        spawnedPerSec: Math.round(r.spawnedPerSec),
      };
      results.push(rounded);
      process.stdout.write(`  browser ${phase}: ${JSON.stringify(rounded)}\n`);
    };
    await measure('idle');
    const notReady = await controller.deploy(record.id, 120_000, { tolerateNotReady: true });
    if (notReady.length > 0) process.stdout.write(`  browser: not ready after 120 s: ${notReady.join(', ')}\n`);
    await page.waitForFunction('(window.__dwParticles ?? 0) > 0', null, { timeout: 30_000 });
    await page.waitForTimeout(3000);
    await measure('live');
    await page.screenshot({ path: 'results/browser-live.png' });
  } finally {
    await browser.close();
    await controller.stopDeployment(record.id).catch(() => {});
  }
  return results;
}
