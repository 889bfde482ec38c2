// Deploy progress: each service a deploy starts or restarts reports its steps once each, in order
// (identity-issued -> starting -> ready, or crashed / failed), as deploy:progress events. Services a redeploy keeps
// report nothing.
import type { DeployProgressEvent, DeployStep } from '@dw/world';
import type { StepFacts } from './provisioning.js';
import type { ServiceProcess } from './service-process.js';

export class DeployProgress {
  /** Services of the latest deploy that have not reached ready yet, and the last step each reported. */
  private progressing = new Map<string, DeployStep>();
  private deploy: { rev: number; of: number };

  constructor(
    private readonly worldId: string,
    private readonly emit: (event: DeployProgressEvent) => void,
    rev: number,
  ) {
    this.deploy = { rev, of: 0 };
  }

  /** A deploy of `rev` that starts `of` services begins: what earlier deploys had in progress no longer reports. */
  begin(rev: number, of: number): void {
    this.progressing = new Map();
    this.deploy = { rev, of };
  }

  /** A service's identity was issued (reported at once: its process does not exist yet). */
  issued(serviceId: string, facts: StepFacts): void {
    this.report(serviceId, 'identity-issued', facts);
  }

  /** From now on these services report their steps (call it once their processes exist). */
  follow(serviceIds: Iterable<string>): void {
    for (const id of serviceIds) this.progressing.set(id, 'identity-issued');
  }

  /** The step a process of the latest deploy has reached, reported once each; ready ends its progress. */
  changed(process: ServiceProcess): void {
    const last = this.progressing.get(process.id);
    if (last === undefined) return;
    if (process.state === 'stopped') {
      this.progressing.delete(process.id);
      return;
    }
    const step: DeployStep | null =
      process.state === 'ready' || process.state === 'crashed'
        ? process.state
        : process.state === 'starting' || process.state === 'restarting'
          ? 'starting'
          : null; // paused: no step of its own
    if (step === null || step === last) return;
    if (step === 'ready') this.progressing.delete(process.id);
    else this.progressing.set(process.id, step);
    this.report(process.id, step, step === 'crashed' && process.detail !== undefined ? { detail: process.detail } : {});
  }

  private report(id: string, step: DeployStep, facts: StepFacts): void {
    this.emit({ worldId: this.worldId, ...this.deploy, id, step, at: Date.now(), ...facts });
  }
}
