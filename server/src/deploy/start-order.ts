// Start order: nodes that serve start callees first, a few at a time; traffic sources (clients, attacking
// intruders) once every node that serves is ready or has given up starting (or CLIENTS_WAIT_AT_MOST_MS after the
// last of them started), so no request of a new deployment meets a callee that is not listening yet. A process
// is ready when it says so over its IPC channel (service-process.ts), or by its first telemetry batch.
//
// Why a few at a time: spawning blocks the controller until the child has exec'd, and the processes' start-up
// (compiling the bundle, TLS contexts) competes for the same cores. All at once, N processes each take N times
// as long to become ready and the callers among them wait for callees that are themselves still starting.
import { isTrafficSource } from '@dw/world';
import type { ServiceProcess } from './service-process.js';

/** Clients start once every service is ready, or this long after the last of them started, whatever they do. */
export const CLIENTS_WAIT_AT_MOST_MS = 10_000;
/** At most this many processes start at once (spawned and not yet ready). */
export const CONCURRENT_STARTS = 8;
/** A process still starting after this long no longer holds back its callers or a place among the starting. */
export const START_WAIT_AT_MOST_MS = 10_000;

/**
 * Traffic sources (clients, attacking intruders) start once every node that serves listens; the others (an
 * impostor too: it serves in another's name) start first.
 */
export function startsLate(process: ServiceProcess): boolean {
  return isTrafficSource({ kind: process.config.kind, config: process.config.behaviour });
}

/**
 * The rank of each node in the start order: 0 for one that calls nobody, otherwise one more than the highest rank
 * among its callees. Nodes that call each other in a cycle (the hop budget makes that valid) share one rank, as
 * none of them can wait for the others. `calls` maps a node to the nodes it calls; callees that are not keys of
 * `calls` are left out (they do not start with these).
 */
export function startRanks(calls: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  // Tarjan's strongly connected components; they come out callees first (reverse topological order).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const componentOf = new Map<string, number>();
  const components: string[][] = [];
  let next = 0;
  const visit = (root: string) => {
    // iterative, so a long chain of services does not overflow the call stack
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; i: number };
      const callees = (calls.get(top.node) ?? []).filter((c) => calls.has(c));
      if (top.i < callees.length) {
        const callee = callees[top.i++] as string;
        if (!index.has(callee)) {
          index.set(callee, next);
          low.set(callee, next++);
          stack.push(callee);
          onStack.add(callee);
          work.push({ node: callee, i: 0 });
        } else if (onStack.has(callee)) {
          low.set(top.node, Math.min(low.get(top.node) as number, index.get(callee) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          componentOf.set(member, components.length);
          component.push(member);
        } while (member !== top.node);
        components.push(component);
      }
    }
  };
  for (const node of calls.keys()) if (!index.has(node)) visit(node);
  const rankOfComponent: number[] = [];
  const ranks = new Map<string, number>();
  components.forEach((component, c) => {
    let rank = 0;
    for (const node of component) {
      for (const callee of calls.get(node) ?? []) {
        const other = componentOf.get(callee);
        if (other !== undefined && other !== c) rank = Math.max(rank, (rankOfComponent[other] as number) + 1);
      }
    }
    rankOfComponent[c] = rank;
    for (const node of component) ranks.set(node, rank);
  });
  return ranks;
}

export interface StartCandidate {
  id: string;
  /** The nodes it waits for: its callees of a lower rank. */
  waitsFor: readonly string[];
}

/**
 * Which of `waiting` (in start order) may start now: each once none of the nodes it waits for is still waiting
 * or starting (`unsettled`), and no more than `room` of them.
 */
export function nextToStart(
  waiting: readonly StartCandidate[],
  unsettled: ReadonlySet<string>,
  room: number,
): string[] {
  const chosen: string[] = [];
  for (const candidate of waiting) {
    if (chosen.length >= room) break;
    if (candidate.waitsFor.every((id) => !unsettled.has(id))) chosen.push(candidate.id);
  }
  return chosen;
}

export interface StartOrderOptions {
  processes: () => Iterable<ServiceProcess>;
  /** True once the deployment stops: nothing starts any more. */
  stopping: () => boolean;
}

export class StartOrder {
  private clientTimer: NodeJS.Timeout | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  /** Serving processes not started yet, in start order, with what each waits for (service ids). */
  private queue: { process: ServiceProcess; waitsFor: string[] }[] = [];
  /** Serving processes started from the queue and when, until they are no longer starting. */
  private readonly startedAt = new Map<ServiceProcess, number>();
  private pumping = false;
  private again = false;

  constructor(private readonly options: StartOrderOptions) {}

  /** Starts `first` (they serve) callees first, a few at a time; the traffic sources once they are ready. */
  begin(first: Iterable<ServiceProcess>): void {
    const processes = [...first];
    const calls = new Map<string, string[]>();
    for (const p of processes)
      calls.set(
        p.id,
        p.config.peers.map((peer) => peer.id),
      );
    const ranks = startRanks(calls);
    const rank = (p: ServiceProcess) => ranks.get(p.id) ?? 0;
    const ordered = processes.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i);
    this.queue.push(
      ...ordered.map(({ p }) => ({
        process: p,
        waitsFor: [...new Set(p.config.peers.map((peer) => peer.id))].filter(
          (id) => ranks.has(id) && (ranks.get(id) as number) < rank(p),
        ),
      })),
    );
    clearTimeout(this.clientTimer);
    this.clientTimer = undefined;
    this.pump();
  }

  /** Called on every change of a process. */
  changed(process: ServiceProcess): void {
    if (startsLate(process)) return;
    if (process.state !== 'starting' && process.state !== 'restarting') this.startedAt.delete(process);
    this.pump();
  }

  stop(): void {
    clearTimeout(this.clientTimer);
    clearTimeout(this.waitTimer);
    this.queue = [];
    this.startedAt.clear();
  }

  /** Starts what may start now; once the queue is empty, the sources when the serving nodes are ready. */
  private pump(): void {
    // start() tells the deployment, which calls changed() and so pump() again: that call only asks for one more round
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.startNext();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  private startNext(): void {
    if (this.options.stopping()) return;
    const now = Date.now();
    for (const [p, at] of this.startedAt) {
      if (!p.alive || now - at >= START_WAIT_AT_MOST_MS) this.startedAt.delete(p);
    }
    if (this.queue.length > 0) {
      // a service is unsettled while any copy of it waits or starts
      const unsettled = new Set([
        ...this.queue.map((q) => q.process.id),
        ...[...this.startedAt.keys()].map((p) => p.id),
      ]);
      const keys = new Set(
        nextToStart(
          this.queue.map((q) => ({ id: q.process.key, waitsFor: q.waitsFor })),
          unsettled,
          CONCURRENT_STARTS - this.startedAt.size,
        ),
      );
      const chosen = this.queue.filter((q) => keys.has(q.process.key));
      this.queue = this.queue.filter((q) => !keys.has(q.process.key));
      for (const { process } of chosen) this.startedAt.set(process, now);
      for (const { process } of chosen) process.start();
      // a process that hangs in starting holds nothing back for longer than START_WAIT_AT_MOST_MS
      clearTimeout(this.waitTimer);
      if (this.queue.length > 0) {
        this.waitTimer = setTimeout(() => this.pump(), START_WAIT_AT_MOST_MS);
        this.waitTimer.unref();
        return;
      }
    }
    if (this.clientTimer === undefined) {
      this.clientTimer = setTimeout(() => this.startSources(), CLIENTS_WAIT_AT_MOST_MS);
      this.clientTimer.unref();
    }
    const serving = [...this.options.processes()].filter((p) => !startsLate(p));
    if (serving.every((p) => p.state !== 'starting')) this.startSources();
  }

  private startSources(): void {
    clearTimeout(this.clientTimer);
    if (this.options.stopping()) return;
    for (const p of this.options.processes()) if (startsLate(p) && !p.started) p.start();
  }
}
