// Dots that stand for real requests: spawned per link at its measured rate, moving at a speed set by its measured
// latency, coloured by outcome. Plain data and arithmetic; the overlay component draws them.
import type { LinkLive } from './traffic-store';

export const OUTCOME_OK = 0;
export const OUTCOME_ERROR = 1;
export const OUTCOME_REFUSED = 2;
export type Outcome = typeof OUTCOME_OK | typeof OUTCOME_ERROR | typeof OUTCOME_REFUSED;

/** One dot per request up to this many per link per second; beyond it the dots stand for several requests. */
export const MAX_SPAWN_PER_LINK = 240;
export const MAX_ALIVE = 6000;
/** A refused call stops short of its callee and fades there. */
export const REFUSED_STOP = 0.82;

export interface Particle {
  linkId: string;
  from: string;
  to: string;
  /** 0 at the caller, 1 at the callee. */
  t: number;
  /** Progress per millisecond. */
  speed: number;
  outcome: Outcome;
  /** Sideways position in the stream, -1..1, so a busy link looks like a stream rather than a string of beads. */
  lane: number;
}

/** How long a dot takes to cross its link: slower links show slower dots; always long enough to see. */
export function travelMs(latencyMs: number): number {
  const latency = Number.isFinite(latencyMs) ? Math.max(0, latencyMs) : 0;
  return Math.min(6000, 700 + latency * 40);
}

export class ParticleEngine {
  readonly particles: Particle[] = [];
  /** Fractional dots owed per link, carried between frames. */
  private readonly owed = new Map<string, number>();
  spawnedTotal = 0;

  /** Adds the dots due for `dtMs` of traffic at each link's current rate. */
  spawn(links: Record<string, LinkLive>, dtMs: number, random: () => number = Math.random): void {
    for (const [linkId, link] of Object.entries(links)) {
      const rate = Math.min(link.attemptRate, MAX_SPAWN_PER_LINK);
      if (rate <= 0) {
        this.owed.delete(linkId);
        continue;
      }
      let owed = (this.owed.get(linkId) ?? random()) + (rate * dtMs) / 1000;
      const speed = 1 / travelMs(link.latencyMs);
      while (owed >= 1) {
        owed -= 1;
        if (this.particles.length >= MAX_ALIVE) continue;
        const roll = random();
        const outcome: Outcome =
          roll < link.refusedShare
            ? OUTCOME_REFUSED
            : roll < link.refusedShare + link.errorShare
              ? OUTCOME_ERROR
              : OUTCOME_OK;
        // Spread the dots of one frame along the distance a frame covers, so bursts do not stack on one spot.
        this.particles.push({
          linkId,
          from: link.from,
          to: link.to,
          t: random() * dtMs * speed,
          speed,
          outcome,
          lane: random() * 2 - 1,
        });
        this.spawnedTotal += 1;
      }
      this.owed.set(linkId, owed);
    }
  }

  /** Moves every dot and drops the ones that arrived. */
  advance(dtMs: number): void {
    const list = this.particles;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      p.t += p.speed * dtMs;
      const end = p.outcome === OUTCOME_REFUSED ? REFUSED_STOP : 1;
      if (p.t < end) list[kept++] = p;
    }
    list.length = kept;
  }

  clear(): void {
    this.particles.length = 0;
    this.owed.clear();
  }
}
