// Test helper: a controller listening on 127.0.0.1:0 with worlds deployed as real processes, and a socket.io
// watcher recording every frame, status and fault list. For the fault, supervision and call-policy tests.
import type {
  ClientToServerEvents,
  DeployStatus,
  FaultList,
  ServerToClientEvents,
  ServiceStatusEvent,
  TrafficFrame,
  WatchAck,
  World,
} from '@dw/world';
import { io, type Socket } from 'socket.io-client';
import { ensureServiceRuntime } from './service-runtime.js';
import { listenLocal, type TempApp, tempApp, waitFor } from './temp-app.js';

export interface LiveWorld {
  id: string;
  frames: TrafficFrame[];
  statuses: ServiceStatusEvent[];
  faults: FaultList[];
  status(): Promise<DeployStatus>;
  /** Frames that arrive from now on, until `accept` says enough (it sees them all). */
  framesUntil(what: string, accept: (frames: TrafficFrame[]) => boolean, timeoutMs?: number): Promise<TrafficFrame[]>;
}

export interface LiveController {
  t: TempApp;
  base: string;
  api<T>(method: string, url: string, payload?: unknown): Promise<{ status: number; body: T }>;
  deploy(world: World): Promise<LiveWorld>;
  close(): Promise<void>;
}

export async function liveController(): Promise<LiveController> {
  ensureServiceRuntime();
  const t = await tempApp();
  const base = await listenLocal(t.app);
  const sockets: Socket[] = [];

  const api = async <T>(method: string, url: string, payload?: unknown) => {
    const response = await t.app.inject({ method: method as 'GET', url, payload: payload as object });
    return { status: response.statusCode, body: response.json() as T };
  };

  const deploy = async (world: World): Promise<LiveWorld> => {
    const created = await api<{ id: string }>('POST', '/api/worlds', world);
    if (created.status !== 201) throw new Error(`could not create the world: ${JSON.stringify(created.body)}`);
    const id = created.body.id;
    const frames: TrafficFrame[] = [];
    const statuses: ServiceStatusEvent[] = [];
    const faults: FaultList[] = [];
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    socket.on('traffic:frame', (frame) => frames.push(frame));
    socket.on('service:status', (event) => statuses.push(event));
    socket.on('faults:changed', (list) => faults.push(list));
    const ack = await new Promise<WatchAck>((resolve) => socket.emit('world:watch', { worldId: id }, resolve));
    if (!ack.ok) throw new Error(`could not watch: ${ack.error}`);
    const deployed = await api('POST', `/api/worlds/${id}/deploy`);
    if (deployed.status !== 202) throw new Error(`could not deploy: ${JSON.stringify(deployed.body)}`);
    const status = async () => (await api<DeployStatus>('GET', `/api/worlds/${id}/deploy`)).body;
    await waitFor(
      'every service ready (every copy of it)',
      async () => ((await status()).services.every(everyCopyReady) ? true : undefined),
      20_000,
    );
    return {
      id,
      frames,
      statuses,
      faults,
      status,
      framesUntil: (what, accept, timeoutMs = 15_000) => {
        const from = frames.length;
        return waitFor(
          what,
          () => {
            const seen = frames.slice(from);
            return accept(seen) ? seen : undefined;
          },
          timeoutMs,
        );
      },
    };
  };

  return {
    t,
    base,
    api,
    deploy,
    async close() {
      for (const socket of sockets) socket.close();
      await t.close();
    },
  };
}

/** Ready, and so is every copy of it when it runs more than once. */
export function everyCopyReady(s: DeployStatus['services'][number]): boolean {
  return s.state === 'ready' && (s.replicas ?? []).every((r) => r.state === 'ready');
}

/** The median of the numbers (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One link's numbers summed over frames: calls, errors, retries, the mean of the window means. */
export function linkOver(frames: readonly TrafficFrame[], linkId: string) {
  const windows = frames.flatMap((f) => f.links.filter((l) => l.id === linkId && l.requests > 0));
  return {
    requests: windows.reduce((n, l) => n + l.requests, 0),
    errors: windows.reduce((n, l) => n + l.errors, 0),
    retries: windows.reduce((n, l) => n + (l.retries ?? 0), 0),
    /** Median of the windows' mean latencies (each window ~200 ms of calls). */
    latencyMedian: median(windows.map((l) => l.latencyMsAvg)),
    latencyMax: Math.max(0, ...windows.map((l) => l.latencyMsMax)),
  };
}

/** One service's accepted requests summed over frames. */
export function acceptedOver(frames: readonly TrafficFrame[], serviceId: string): number {
  return frames.reduce((n, f) => n + (f.services.find((s) => s.id === serviceId)?.accepted ?? 0), 0);
}
