// Redeploy layout, pure: given the copies that run and the plan of a redeploy, which copies end, which addresses
// go away for good (callers must stop calling them first), how many new ports are needed and which port each copy
// of the new world listens on. A restarted or scaled service keeps the ports of the copies it keeps, so its
// callers need no restart; the others get new ports.
import { type DeployPlan, replicasOf, type World } from '@dw/world';

/** What the layout needs to know of a running copy. */
export interface RunningCopy {
  id: string;
  replica: number;
  port: number;
}

export interface RedeployLayout<P extends RunningCopy> {
  /** The services that start or restart: they get fresh identities and report their deploy steps. */
  fresh: string[];
  /** Copies that end: every copy of a stopped or restarted service, and the copies above a lowered count. */
  ending: P[];
  /** Ports of the copies that go away for good (scaled down): callers are told before they stop. */
  gonePorts: Set<number>;
  /** How many new ports the new world needs. */
  needed: number;
  /** The ports of each service's copies in the new world, first copy first, given `needed` new ports. */
  ports(newPorts: readonly number[]): Map<string, number[]>;
}

export function redeployLayout<P extends RunningCopy>(
  running: readonly P[],
  world: World,
  plan: DeployPlan,
): RedeployLayout<P> {
  const fresh = [...plan.start, ...plan.restart];
  const freshIds = new Set(fresh);
  const copiesOf = (id: string) => running.filter((p) => p.id === id).sort((a, b) => a.replica - b.replica);
  // A service started again (one that is down) still has its dead copies: they end, and it keeps their ports.
  const restarting = new Set([...plan.restart, ...plan.start.filter((id) => copiesOf(id).length > 0)]);
  const stopping = new Set(plan.stop);
  const wanted = new Map(world.services.map((s) => [s.id, replicasOf(s)]));
  // A started service has no copies to keep; a restarted one keeps its ports, not its processes.
  const kept = (id: string) => (freshIds.has(id) && !restarting.has(id) ? [] : copiesOf(id));
  const needed = world.services.reduce((n, s) => n + Math.max(0, (wanted.get(s.id) ?? 1) - kept(s.id).length), 0);
  const above = (p: P) => p.replica > (wanted.get(p.id) ?? Number.POSITIVE_INFINITY);
  const ending = running.filter((p) => stopping.has(p.id) || restarting.has(p.id) || above(p));
  return {
    fresh,
    ending,
    gonePorts: new Set(ending.filter(above).map((p) => p.port)),
    needed,
    ports(newPorts) {
      const pool = [...newPorts];
      const ports = new Map<string, number[]>();
      for (const s of world.services) {
        const count = wanted.get(s.id) ?? 1;
        const copies = kept(s.id)
          .slice(0, count)
          .map((p) => p.port);
        while (copies.length < count) {
          const port = pool.shift();
          if (port === undefined) throw new Error(`no port left for a copy of "${s.id}"`);
          copies.push(port);
        }
        ports.set(s.id, copies);
      }
      return ports;
    },
  };
}
