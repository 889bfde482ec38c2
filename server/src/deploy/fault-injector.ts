// The faults in force on one deployment. A link fault is pushed to the CALLER's process (PUT /_dw/faults over
// mTLS, as the controller), which applies it in its outbound path; a pause is SIGSTOP/SIGCONT to the process.
// Nothing is redeployed. A process that (re)starts gets the faults in force in its spawn config, and once ready
// they are pushed again, so a fault added while it was starting is not lost.
import {
  type ActiveFault,
  combineLinkFaults,
  type FaultList,
  type FaultSpec,
  isLinkFault,
  type RuntimeFaults,
  type World,
} from '@dw/world';
import { HttpProblem } from '../http/errors.js';
import { callService, type TlsIdentity } from './mtls.js';
import type { ServiceProcess } from './service-process.js';

export interface FaultInjectorOptions {
  worldId: string;
  /** What runs now: a reconciling redeploy replaces both. */
  world: () => World;
  host: string;
  processes: () => ReadonlyMap<string, ServiceProcess>;
  /** The controller's identity in this world right now (it is renewed and rotated). */
  controller: () => TlsIdentity;
  onChange: (list: FaultList) => void;
  onPushFailed?: (serviceId: string, message: string) => void;
}

export class FaultInjector {
  private readonly faults = new Map<string, ActiveFault>();
  private sequence = 0;
  /** Processes whose last push did not arrive (paused, not listening yet): pushed again once ready. */
  private readonly unsent = new Set<ServiceProcess>();

  constructor(private readonly options: FaultInjectorOptions) {}

  list(): FaultList {
    return { worldId: this.options.worldId, faults: [...this.faults.values()] };
  }

  /** The faults the process of `serviceId` applies on its outbound links. */
  runtimeFor(serviceId: string): RuntimeFaults {
    const links = new Set(
      this.options
        .world()
        .links.filter((l) => l.from === serviceId)
        .map((l) => l.id),
    );
    const specs = [...this.faults.values()].map((f) => f.fault).filter((f) => isLinkFault(f) && links.has(f.linkId));
    return { links: [...combineLinkFaults(specs).values()] };
  }

  /** Checks the fault against the world, applies it and answers it with its id; 404/409 say what is wrong. */
  async add(fault: FaultSpec): Promise<ActiveFault> {
    const { worldId } = this.options;
    const world = this.options.world();
    const processes = this.options.processes();
    let targets: ServiceProcess[] = [];
    const copiesOf = (id: string) => [...processes.values()].filter((p) => p.id === id);
    if (isLinkFault(fault)) {
      const link = world.links.find((l) => l.id === fault.linkId);
      if (!link)
        throw new HttpProblem(
          404,
          'not-found',
          `link "${fault.linkId}" is not part of the deployed world "${worldId}"`,
        );
      targets = copiesOf(link.from); // every copy of the caller calls over the link
    } else {
      const copies = copiesOf(fault.serviceId);
      if (copies.length === 0) {
        throw new HttpProblem(
          404,
          'not-found',
          `service "${fault.serviceId}" is not part of the deployed world "${worldId}"`,
        );
      }
      targets = fault.replica === undefined ? copies : copies.filter((p) => p.replica === fault.replica);
      const what =
        fault.replica === undefined
          ? `service "${fault.serviceId}"`
          : `replica ${fault.replica} of "${fault.serviceId}"`;
      if (targets.length === 0) {
        throw new HttpProblem(
          404,
          'not-found',
          `service "${fault.serviceId}" runs ${copies.length} replica(s): there is no replica ${fault.replica}`,
        );
      }
      const overlaps = (f: FaultSpec) =>
        f.kind === 'pause' &&
        f.serviceId === fault.serviceId &&
        (f.replica === undefined || fault.replica === undefined || f.replica === fault.replica);
      if ([...this.faults.values()].some((f) => overlaps(f.fault))) {
        throw new HttpProblem(409, 'already-paused', `${what} is already paused`);
      }
      const running = targets.filter((p) => p.alive);
      if (running.length === 0) {
        throw new HttpProblem(
          409,
          'not-running',
          `${what} is not running (${targets.map((p) => p.state).join(', ')}): nothing to pause`,
        );
      }
      for (const p of running) p.signal('SIGSTOP');
    }
    const active: ActiveFault = { id: `f${++this.sequence}`, since: Date.now(), fault };
    this.faults.set(active.id, active);
    if (isLinkFault(fault)) await Promise.all(targets.map((p) => this.push(p)));
    this.changed();
    return active;
  }

  /** Removes a fault: the link's caller gets its new set, a paused process SIGCONT. */
  async remove(id: string): Promise<void> {
    const active = this.faults.get(id);
    if (!active)
      throw new HttpProblem(404, 'not-found', `fault "${id}" is not in force on world "${this.options.worldId}"`);
    this.faults.delete(id);
    const fault = active.fault;
    if (isLinkFault(fault)) {
      const link = this.options.world().links.find((l) => l.id === fault.linkId);
      const callers = [...this.options.processes().values()].filter((p) => p.id === link?.from);
      await Promise.all(callers.map((p) => this.push(p)));
    } else {
      for (const p of this.options.processes().values()) {
        if (p.id === fault.serviceId && (fault.replica === undefined || p.replica === fault.replica)) {
          p.signal('SIGCONT');
        }
      }
    }
    this.changed();
  }

  async clear(): Promise<void> {
    for (const id of [...this.faults.keys()]) await this.remove(id);
  }

  /** After a reconciling redeploy: faults on links or services that are gone end; kept callers get theirs again. */
  reconciled(): void {
    const world = this.options.world();
    const links = new Set(world.links.map((l) => l.id));
    const services = new Set(world.services.map((s) => s.id));
    let dropped = 0;
    for (const [id, active] of this.faults) {
      const f = active.fault;
      if (isLinkFault(f) ? !links.has(f.linkId) : !services.has(f.serviceId)) {
        this.faults.delete(id);
        dropped++;
      }
    }
    if (this.faults.size === 0 && dropped === 0) return; // nothing in force, nothing to tell anyone
    for (const process of this.options.processes().values()) {
      if (process.alive && process.state === 'ready') void this.push(process);
    }
    if (dropped > 0) this.changed();
  }

  /**
   * Called on every state change of a process: a pause ends with the process (a pause of every copy, with the
   * last of them); a ready caller gets its faults.
   */
  processChanged(process: ServiceProcess): void {
    if (process.state === 'crashed' || process.state === 'stopped') {
      const allGone = [...this.options.processes().values()]
        .filter((p) => p.id === process.id)
        .every((p) => p === process || p.state === 'crashed' || p.state === 'stopped');
      const pauses = [...this.faults.values()].filter(
        (f) =>
          f.fault.kind === 'pause' &&
          f.fault.serviceId === process.id &&
          (f.fault.replica === undefined ? allGone : f.fault.replica === process.replica),
      );
      for (const f of pauses) this.faults.delete(f.id);
      if (pauses.length > 0) this.changed();
    }
    if (process.state === 'ready' && (this.unsent.has(process) || this.runtimeFor(process.id).links.length > 0)) {
      void this.push(process);
    }
  }

  private async push(process: ServiceProcess): Promise<void> {
    if (!process.alive) return; // it gets the faults in its spawn config when it starts again
    if (process.state === 'paused') {
      this.unsent.add(process); // it gets them when it resumes (state ready again)
      return;
    }
    this.unsent.delete(process);
    try {
      const answer = await callService(
        { host: this.options.host, port: process.port, serviceId: process.id },
        'setFaults',
        this.options.controller(),
        { body: this.runtimeFor(process.id) },
      );
      if (answer.status !== 200) throw new Error(`it answered ${answer.status}`);
    } catch (error) {
      // not listening yet: it is pushed again once ready; say so, keep the fault
      this.unsent.add(process);
      this.options.onPushFailed?.(process.id, (error as Error).message);
    }
  }

  private changed(): void {
    this.options.onChange(this.list());
  }
}
