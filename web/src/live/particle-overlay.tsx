// One canvas above the React Flow viewport draws every link's dots. It reads link geometry from React Flow's
// internal node lookup and its viewport transform each animation frame, and live rates from the traffic store,
// so neither React Flow nor React re-renders for a moving dot. The loop sleeps when there is nothing to draw.
import { useStoreApi } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { EvenCurve, handlePoint, linkCurve, type Point } from '../canvas/link-geometry';
import { useStores } from '../store/editor-context';
import type { EditorEdge, EditorNode } from '../store/flow-types';
import { forEachLabelBox } from './label-boxes';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_REFUSED, ParticleEngine } from './particle-engine';

export interface ParticleStats {
  /** Dots drawn in the last full second, summed over animation frames. */
  drawsPerSecond: number;
  /** Dots started in the last full second. */
  spawnedPerSecond: number;
  /** Animation frames in the last full second. */
  framesPerSecond: number;
  alive: number;
}

declare global {
  interface Window {
    /** Dots drawn per second (over the last full second); 0 while idle. Read by benchmarks. */
    __dwParticles?: number;
    __dwParticleStats?: ParticleStats;
  }
}

/** Rates older than this are treated as silence (the deployment went away without saying so). */
const STALE_MS = 1500;
const DOT_RADIUS = 2.8;
/** How far (flow units) a dot may sit beside its link's centre line. */
const STREAM_HALF_WIDTH = 2.5;

function publish(stats: ParticleStats): void {
  window.__dwParticles = stats.drawsPerSecond;
  window.__dwParticleStats = stats;
}

export function ParticleOverlay() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const flow = useStoreApi<EditorNode, EditorEdge>();
  const { traffic } = useStores();

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const engine = new ParticleEngine();
    const colours = ['#3b82f6', '#f59e0b', '#e5484d'];
    let raf = 0;
    let running = false;
    let last = 0;
    let width = 0;
    let height = 0;
    let dpr = 1;
    let second = { start: performance.now(), draws: 0, frames: 0, spawnedAtStart: 0 };
    publish({ drawsPerSecond: 0, spawnedPerSecond: 0, framesPerSecond: 0, alive: 0 });

    const readColours = () => {
      const style = getComputedStyle(canvas);
      ['--dw-dot-ok', '--dw-dot-error', '--dw-dot-refused'].forEach((name, i) => {
        const value = style.getPropertyValue(name).trim();
        if (value) colours[i] = value;
      });
    };

    const resize = () => {
      const rect = canvas.getBoundingClientRect();
      dpr = window.devicePixelRatio || 1;
      width = rect.width;
      height = rect.height;
      canvas.width = Math.max(1, Math.round(width * dpr));
      canvas.height = Math.max(1, Math.round(height * dpr));
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(canvas);

    const curves = new Map<string, EvenCurve | null>();
    const point: Point = { x: 0, y: 0 };

    const frame = (now: number) => {
      const dt = Math.min(100, Math.max(0, now - last));
      last = now;
      const live = traffic.getState();
      if (live.paused) {
        // hold still: the dots stay where they are until the view resumes
        running = false;
        publish({ drawsPerSecond: 0, spawnedPerSecond: 0, framesPerSecond: 0, alive: engine.particles.length });
        return;
      }
      const fresh = live.lastFrameAt > 0 && now - live.lastFrameAt < STALE_MS;
      const links = fresh ? live.links : {};
      engine.spawn(links, dt);
      engine.advance(dt);

      // Geometry once per link per frame, from where React Flow has the nodes right now.
      const { nodeLookup, transform } = flow.getState();
      curves.clear();
      const [tx, ty, zoom] = transform;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(dpr * zoom, 0, 0, dpr * zoom, dpr * tx, dpr * ty);
      let drawn = 0;
      // Zoomed out, a dot is a pixel or two across: a square looks the same and costs far less to rasterise
      // (Chromium without a GPU fills every arc in software).
      const tiny = DOT_RADIUS * zoom * dpr < 2;
      for (let outcome = OUTCOME_OK; outcome <= OUTCOME_REFUSED; outcome++) {
        ctx.beginPath();
        let any = false;
        for (const p of engine.particles) {
          if (p.outcome !== outcome) continue;
          let curve = curves.get(p.linkId);
          if (curve === undefined) {
            const source = nodeLookup.get(p.from);
            const target = nodeLookup.get(p.to);
            const a = source && handlePoint(source, 'source');
            const b = target && handlePoint(target, 'target');
            curve = a && b ? new EvenCurve(linkCurve(a.x, a.y, b.x, b.y)) : null;
            curves.set(p.linkId, curve);
          }
          if (!curve) continue;
          curve.at(p.t, p.lane * STREAM_HALF_WIDTH, point);
          if (tiny) {
            ctx.rect(point.x - DOT_RADIUS, point.y - DOT_RADIUS, DOT_RADIUS * 2, DOT_RADIUS * 2);
          } else {
            ctx.moveTo(point.x + DOT_RADIUS, point.y);
            ctx.arc(point.x, point.y, DOT_RADIUS, 0, Math.PI * 2);
          }
          any = true;
          drawn++;
        }
        if (!any) continue;
        ctx.fillStyle = colours[outcome] ?? '#888';
        ctx.globalAlpha = outcome === OUTCOME_ERROR ? 0.95 : 0.85;
        ctx.fill();
      }
      ctx.globalAlpha = 1;

      // Dots pass behind the link labels, so the numbers stay readable: their boxes are known in flow coordinates
      // (label-boxes.ts), so clearing them needs no layout.
      if (drawn > 0) forEachLabelBox((left, top, w, h) => ctx.clearRect(left, top, w, h));

      second.draws += drawn;
      second.frames += 1;
      if (now - second.start >= 1000) {
        const scale = 1000 / (now - second.start);
        publish({
          drawsPerSecond: Math.round(second.draws * scale),
          spawnedPerSecond: Math.round((engine.spawnedTotal - second.spawnedAtStart) * scale),
          framesPerSecond: Math.round(second.frames * scale),
          alive: engine.particles.length,
        });
        second = { start: now, draws: 0, frames: 0, spawnedAtStart: engine.spawnedTotal };
      }

      const quiet = Object.values(links).every((l) => l.attemptRate <= 0);
      if (quiet && engine.particles.length === 0) {
        stop();
        return;
      }
      raf = requestAnimationFrame(frame);
    };

    function stop() {
      running = false;
      cancelAnimationFrame(raf);
      ctx?.setTransform(1, 0, 0, 1, 0, 0);
      ctx?.clearRect(0, 0, canvas?.width ?? 0, canvas?.height ?? 0);
      publish({ drawsPerSecond: 0, spawnedPerSecond: 0, framesPerSecond: 0, alive: 0 });
    }

    function start() {
      if (running || document.hidden) return;
      const live = traffic.getState();
      if (live.paused) return;
      if (!Object.values(live.links).some((l) => l.attemptRate > 0)) return;
      running = true;
      readColours();
      last = performance.now();
      second = { start: last, draws: 0, frames: 0, spawnedAtStart: engine.spawnedTotal };
      raf = requestAnimationFrame(frame);
    }

    const onVisibility = () => {
      if (document.hidden) {
        engine.clear();
        stop();
      } else start();
    };
    document.addEventListener('visibilitychange', onVisibility);
    const unsubscribe = traffic.subscribe((state, previous) => {
      // Another world opened, or this one stopped: the dots in flight stood for traffic that no longer exists
      // here, so none of them may finish its trip on what is shown now.
      const forgotten =
        state.worldId !== previous.worldId ||
        (state.links !== previous.links && state.lastFrameAt === 0 && Object.keys(state.links).length === 0);
      if (forgotten) {
        engine.clear();
        stop();
        return;
      }
      start();
    });
    start();
    return () => {
      unsubscribe();
      document.removeEventListener('visibilitychange', onVisibility);
      observer.disconnect();
      stop();
    };
  }, [flow, traffic]);

  return <canvas ref={canvasRef} className="dw-particles" />;
}
