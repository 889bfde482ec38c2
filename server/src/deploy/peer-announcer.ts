// Peer announcement: callers learn of their peers' copies over IPC (peers:update), without a restart. A copy that
// goes away is withdrawn from its callers before it stops, so no new call is on its way to it; a new copy is
// announced once it is ready (or after ANNOUNCE_WAIT_AT_MOST_MS), so no call meets a copy that does not listen yet.
import type { SpawnConfig } from '@dw/world';
import type { ServiceProcess } from './service-process.js';

/** Callers hear of new copies once those are ready, or after this long whatever they do. */
export const ANNOUNCE_WAIT_AT_MOST_MS = 10_000;
/** Between telling callers a copy is going away and stopping it, so no new call is on its way to it. */
export const UNANNOUNCE_GRACE_MS = 150;

type Peers = SpawnConfig['peers'];

function peerUrls(peer: Peers[number]): string[] {
  return [peer.url, ...(peer.alsoAt ?? [])];
}

function withUrls(peer: Peers[number], urls: string[]): Peers[number] {
  const { alsoAt: _, ...rest } = peer;
  const [url, ...others] = urls;
  return { ...rest, url: url ?? peer.url, ...(others.length > 0 ? { alsoAt: others } : {}) };
}

export class PeerAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private pending: { waitFor: Set<ServiceProcess>; peersOf: Map<ServiceProcess, Peers> } | undefined;

  /** `current(p)`: whether `p` still is the deployment's process for its key (a redeploy may have replaced it). */
  constructor(private readonly current: (process: ServiceProcess) => boolean) {}

  /**
   * Tells every process of `processes` but `ending` to stop calling the addresses `goneUrls`, then waits
   * UNANNOUNCE_GRACE_MS so that calls already chosen are on their way before the copies stop.
   */
  async withdraw(processes: Iterable<ServiceProcess>, ending: readonly ServiceProcess[], goneUrls: Set<string>) {
    if (goneUrls.size === 0) return;
    for (const p of processes) {
      if (ending.includes(p) || p.config.peers.every((peer) => !peerUrls(peer).some((u) => goneUrls.has(u)))) continue;
      p.updatePeers(
        p.config.peers.map((peer) =>
          withUrls(
            peer,
            peerUrls(peer).filter((u) => !goneUrls.has(u)),
          ),
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, UNANNOUNCE_GRACE_MS));
  }

  /** Tells the processes of `peersOf` their new peers once every process of `started` is ready. */
  announceWhenReady(started: readonly ServiceProcess[], peersOf: Map<ServiceProcess, Peers>): void {
    clearTimeout(this.timer);
    this.pending = { waitFor: new Set(started), peersOf };
    this.timer = setTimeout(() => this.announce(), ANNOUNCE_WAIT_AT_MOST_MS);
    this.timer.unref();
    this.check();
  }

  /** Called on every change of a process: announces once nothing it waits for is still starting. */
  check(): void {
    const pending = this.pending;
    if (!pending) return;
    for (const p of pending.waitFor) if (p.state !== 'starting' && p.state !== 'restarting') pending.waitFor.delete(p);
    if (pending.waitFor.size === 0) this.announce();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.pending = undefined;
  }

  private announce(): void {
    clearTimeout(this.timer);
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    for (const [p, peers] of pending.peersOf) {
      if (!this.current(p) || JSON.stringify(p.config.peers) === JSON.stringify(peers)) continue;
      p.updatePeers(peers);
    }
  }
}
