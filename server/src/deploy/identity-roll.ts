// Identities that change while a deployment runs, without dropping a request:
// - renewal: every member (client, service) and the controller get a new leaf from the same CA, at about two
//   thirds of the leaf lifetime (and on demand), written over their files; then each process reloads in place;
// - CA rotation: a new CA is trusted next to the old one (overlap), every identity is re-issued from it, then
//   the old CA is dropped and the new one saved as the world's CA. Each step waits until every running process
//   confirmed the reload, so no process ever meets a certificate it does not trust.
// New connections use the new identities. A process confirms the reload that gives it a leaf of the new CA once
// the outbound pools it replaced have finished their calls, so when the last step drops the old CA no call of the
// world is in flight on a leaf of it; each service then verifies its open inbound connections against the new
// bundle and closes those it no longer trusts (a leaf of the old CA, stolen say, loses its kept-alive connection
// too: services/src/peer-identity.ts).

import { join } from 'node:path';
import { CLOCK_SKEW_MS, createCA, describeCertificate, issueLeaf, type KeyPairPem } from '@dw/pki';
import { CONTROLLER_ID, credentialOf, type IdentityRoll, isMember, reloadDrainMs, type World } from '@dw/world';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { issueCredential } from './identities.js';
import type { TlsIdentity } from './mtls.js';
import type { ServiceProcess } from './service-process.js';

/** PEMs one after another, each on its own lines (a PEM without its final newline would swallow the next). */
export function bundle(pems: readonly string[]): string {
  return pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}

/** How long a process has to confirm a reload (plus, at a rotation's second step, its calls to drain). */
const RELOAD_TIMEOUT_MS = 5000;

/** Renewal happens at this share of the leaf lifetime. */
export const RENEW_AT = 2 / 3;

export interface IdentityKeeperOptions {
  worldId: string;
  world: World;
  /** The deployment's identity dir (ca.crt and every leaf). */
  dir: string;
  /** Where the world's CA is kept. */
  caDir: string;
  lifetimeMs: number;
  ca: KeyPairPem;
  controller: TlsIdentity;
  processes: () => Iterable<ServiceProcess>;
  onError: (error: Error) => void;
  /** After a renewal (by the timer or by hand) or a rotation went through. */
  onRolled?: (kind: 'renewal' | 'rotation', roll: IdentityRoll) => void;
}

export class IdentityKeeper {
  private ca: KeyPairPem;
  /** PEMs every process trusts right now: one CA, or two during a rotation. */
  private trusted: string[];
  controller: TlsIdentity;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: IdentityKeeperOptions) {
    this.ca = options.ca;
    this.trusted = [options.ca.certPem];
    this.controller = options.controller;
  }

  /** The CA leaves are issued from now (a redeploy that reconciles issues its new leaves from it). */
  get currentCa(): KeyPairPem {
    return this.ca;
  }

  /** After a redeploy that reconciled: the world whose intruders are re-issued on renewal and rotation. */
  useWorld(world: World): void {
    this.options.world = world;
  }

  /** When the next automatic renewal is due, ms from now. */
  get renewInMs(): number {
    return Math.round(this.options.lifetimeMs * RENEW_AT);
  }

  /** Renews at about two thirds of the lifetime, again and again, until stop(). */
  scheduleRenewal(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.renew().catch((error: Error) => this.options.onError(error));
    }, this.renewInMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** New leaves for every member and the controller, from the current CA; resolves once every process uses them. */
  renew(): Promise<IdentityRoll> {
    return this.serially(async () => {
      const started = Date.now();
      await this.issueMembers(this.ca);
      const reloaded = await this.reloadAll();
      this.scheduleRenewal();
      const roll = this.roll(started, reloaded);
      this.options.onRolled?.('renewal', roll);
      return roll;
    });
  }

  /** New CA with an overlap: trust both, re-issue everything from the new one, then trust only the new one. */
  rotateCa(): Promise<IdentityRoll> {
    return this.serially(async () => {
      const started = Date.now();
      const next = await createCA({ worldId: this.options.worldId });
      // 1. everyone trusts both
      this.trusted = [this.ca.certPem, next.certPem];
      this.controller = { ...this.controller, caPem: bundle(this.trusted) };
      await this.writeTrust();
      await this.reloadAll();
      // 2. everyone presents a leaf of the new CA (intruders get their credentials re-made from it too)
      await this.issueIntruders(next);
      await this.issueMembers(next);
      await this.writeTrust(); // intruder issuance wrote only the new CA into the shared file
      // Each process answers once its calls on its old leaf are over (its per-attempt timeout bounds them).
      await this.reloadAll((p) => reloadDrainMs(p.config) + RELOAD_TIMEOUT_MS);
      // 3. the old CA is dropped everywhere, and the new one becomes the world's CA on disk
      this.ca = next;
      this.trusted = [next.certPem];
      this.controller = { ...this.controller, caPem: next.certPem };
      await this.writeTrust();
      const reloaded = await this.reloadAll();
      await writeFileAtomic(join(this.options.caDir, 'ca.key'), next.keyPem, { mode: 0o600 });
      await writeFileAtomic(join(this.options.caDir, 'ca.crt'), next.certPem, { mode: 0o600 });
      this.scheduleRenewal();
      const roll = this.roll(started, reloaded);
      this.options.onRolled?.('rotation', roll);
      return roll;
    });
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.stopped) throw new Error('the deployment is stopping: its identities no longer change');
      return task();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private roll(started: number, reloaded: number): IdentityRoll {
    const info = describeCertificate(this.ca.certPem);
    return { ca: { serial: info.serial, fingerprint256: info.fingerprint256 }, reloaded, tookMs: Date.now() - started };
  }

  private get validityMs(): number {
    return this.options.lifetimeMs + CLOCK_SKEW_MS;
  }

  private members(): ServiceProcess[] {
    return [...this.options.processes()].filter((p) => isMember(p.config));
  }

  private async issueMembers(ca: KeyPairPem): Promise<void> {
    const { worldId } = this.options;
    // One leaf per service: the copies of a replicated service share its identity files.
    const services = [...new Map(this.members().map((p) => [p.id, p])).values()];
    await Promise.all(
      services.map(async (p) => {
        const { certFile, keyFile } = p.config.identity;
        if (certFile === undefined || keyFile === undefined) return;
        const leaf = await issueLeaf(ca, { worldId, serviceId: p.id, validityMs: this.validityMs });
        await writeFileAtomic(keyFile, leaf.keyPem, { mode: 0o600 });
        await writeFileAtomic(certFile, leaf.certPem, { mode: 0o644 });
      }),
    );
    const controller = await issueLeaf(ca, { worldId, serviceId: CONTROLLER_ID, validityMs: this.validityMs });
    this.controller = { certPem: controller.certPem, keyPem: controller.keyPem, caPem: bundle(this.trusted) };
  }

  private async issueIntruders(ca: KeyPairPem): Promise<void> {
    for (const s of this.options.world.services) {
      if (isMember(s)) continue;
      await issueCredential(ca, this.options.worldId, { id: s.id, credential: credentialOf(s) }, this.options.dir);
    }
  }

  private async writeTrust(): Promise<void> {
    await writeFileAtomic(join(this.options.dir, 'ca.crt'), bundle(this.trusted), { mode: 0o644 });
  }

  /** Asks every running process to reload; resolves with how many did, or throws naming those that did not. */
  private async reloadAll(timeoutMs: (p: ServiceProcess) => number = () => RELOAD_TIMEOUT_MS): Promise<number> {
    const running = [...this.options.processes()].filter((p) => p.alive);
    const results = await Promise.allSettled(running.map((p) => p.reloadIdentity(timeoutMs(p))));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length > 0) throw new Error(`identity reload failed: ${failed.join('; ')}`);
    return running.length;
  }
}
