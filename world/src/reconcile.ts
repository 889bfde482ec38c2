// Reconciliation is pure: what a deploy must do to turn what runs into what was drawn.
// A service restarts only when something its process was started with changes: its kind or config, the
// links it calls, the callers it admits (a deny link admits no one), or a world setting it carries. Moving a box restarts nothing.
// A changed replica count alone is a scale: only the extra copies start or stop, and the callers are told the new
// addresses without a restart.
import { admittedCallers, answeringFor, namedToCallers, replicasOf } from './kinds/index.js';
import { hopBudgetOf, leafLifetimeMsOf, type World } from './world.js';

/** A service whose copies change in number and in nothing else. */
export interface ScaleChange {
  id: string;
  from: number;
  to: number;
}

export interface DeployPlan {
  start: string[];
  /** Every copy restarts (with the new count, if that changed too). */
  restart: string[];
  stop: string[];
  keep: string[];
  /** Copies 1..min(from, to) keep running; the ones above `to` stop, the ones above `from` start. */
  scale: ScaleChange[];
}

/** What one service's process depends on; two equal fingerprints need no restart. */
function fingerprint(world: World, id: string): string | null {
  const service = world.services.find((s) => s.id === id);
  if (!service) return null;
  // A node that answers for a peer (an impostor) is one more address that peer "answers" at: its callers
  // restart when that changes.
  const peers = world.links
    .filter((l) => l.from === id)
    .map((l) => {
      const also = answeringFor(world, l.to).join(',');
      // A callee its callers must know the kind of (a store): its kind is in their spawn config.
      const callee = world.services.find((s) => s.id === l.to);
      const kind = callee && namedToCallers(callee) ? `:${callee.kind}` : '';
      return `${l.id}>${l.to}${kind}${also ? `~${also}` : ''}${l.weight !== undefined ? `*${l.weight}` : ''}`;
    })
    .sort();
  return JSON.stringify([
    service.kind,
    canonical(service.config),
    peers,
    admittedCallers(world, id),
    hopBudgetOf(world),
  ]);
}

/** JSON with sorted keys, so {a,b} and {b,a} compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The plan from what runs (`previous`, or null when nothing does) to `next`. Lists are sorted. `down`: services
 * of `previous` with a copy that is not running (crashed with restart "no", or stopped): a deploy starts them
 * again, so they are in `start` whatever else changed (their dead copies' ports are reused).
 */
export function planDeploy(previous: World | null, next: World, down: ReadonlySet<string> = new Set()): DeployPlan {
  const plan: DeployPlan = { start: [], restart: [], stop: [], keep: [], scale: [] };
  const nextIds = new Set(next.services.map((s) => s.id));
  for (const service of previous?.services ?? []) {
    if (!nextIds.has(service.id)) plan.stop.push(service.id);
  }
  for (const { id } of next.services) {
    const before = previous ? fingerprint(previous, id) : null;
    if (before === null || down.has(id)) plan.start.push(id);
    else if (before !== fingerprint(next, id)) plan.restart.push(id);
    else {
      const from = replicaCount(previous, id);
      const to = replicaCount(next, id);
      if (from === to) plan.keep.push(id);
      else plan.scale.push({ id, from, to });
    }
  }
  for (const list of [plan.start, plan.restart, plan.stop, plan.keep]) list.sort();
  plan.scale.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return plan;
}

function replicaCount(world: World | null, id: string): number {
  const node = world?.services.find((s) => s.id === id);
  return node ? replicasOf(node) : 0;
}

/**
 * How a deploy is applied: `fresh` (nothing runs: a new deployment), `in-place` (the running deployment changes
 * only what its plan says), `replace` (a new leaf lifetime applies to every identity: everything that keeps
 * running in the plan of planDeploy restarts, as a new deployment).
 */
export type DeployMode = 'fresh' | 'in-place' | 'replace';

export interface DeployDecision {
  mode: DeployMode;
  plan: DeployPlan;
}

/**
 * What a deploy of `next` does to what runs (`previous`, null when nothing does; `down`: its services with a
 * copy that does not run): the one pure plan that the preview (POST .../deploy/plan) shows and the deploy applies.
 */
export function deployDecision(
  previous: World | null,
  next: World,
  down: ReadonlySet<string> = new Set(),
): DeployDecision {
  const plan = planDeploy(previous, next, down);
  if (previous === null) return { mode: 'fresh', plan };
  if (leafLifetimeMsOf(previous) === leafLifetimeMsOf(next)) return { mode: 'in-place', plan };
  // A new leaf lifetime replaces every process: what would keep running or only scale restarts.
  return {
    mode: 'replace',
    plan: {
      ...plan,
      restart: [...plan.restart, ...plan.keep, ...plan.scale.map((s) => s.id)].sort(),
      keep: [],
      scale: [],
    },
  };
}

/** "2 start, 1 restart, 1 stop, orders 3→2 replicas" -- what a person reads before applying a plan. */
export function describePlan(plan: DeployPlan): string {
  const parts = (['start', 'restart', 'stop'] as const)
    .filter((k) => plan[k].length > 0)
    .map((k) => `${plan[k].length} ${k}`);
  for (const s of plan.scale ?? []) parts.push(`${s.id} ${s.from}→${s.to} replicas`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to change';
}
