// The guardian: a tiny process that outlives nothing. It is told every service pid the controller spawns and
// every pid that is gone; when its channel to the controller closes (the controller died, even by SIGKILL) it
// SIGKILLs the pids still listed and exits. Services exit on their own when the controller's channel closes,
// but a paused one (SIGSTOP) cannot notice: SIGKILL ends it anyway.
import { type ChildProcess, spawn } from 'node:child_process';

const SCRIPT = `
const pids = new Set();
process.on('message', (m) => { if (m && Number.isInteger(m.pid)) { if (m.alive) pids.add(m.pid); else pids.delete(m.pid); } });
process.on('disconnect', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
});
`;

export class Guardian {
  private child: ChildProcess | null = null;

  /** Tells the guardian a pid runs (alive) or is gone. Starts the guardian on first use. */
  track(pid: number, alive: boolean): void {
    if (!this.child && !alive) return;
    if (!this.child) {
      // An empty environment: its script is inline and needs none, and the controller's (DW_TOKEN...) stays
      // with the controller. NODE_CHANNEL_FD, which the IPC channel needs, is added by spawn itself.
      const child = spawn(process.execPath, ['-e', SCRIPT], { env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.on('exit', () => {
        if (this.child === child) this.child = null;
      });
      child.on('error', () => {});
      child.unref();
      (child.channel as unknown as { unref?: () => void } | undefined)?.unref?.();
      this.child = child;
    }
    if (this.child.connected) this.child.send({ pid, alive }, () => {});
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the guardian (it kills what is still listed, which after a clean stop is nothing). */
  close(): void {
    if (this.child?.connected) this.child.disconnect();
    this.child = null;
  }
}
