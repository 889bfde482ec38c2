// Frame bytes per second as the message rate of a small world rises: 2 clients, 5 services, 10 links.
import type { ClientToServerEvents, ServerToClientEvents, TrafficFrame, World, WorldRecord } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { io, type Socket } from 'socket.io-client';
import type { Controller } from './controller.js';

export interface FrameResult {
  askedPerSec: number;
  /** Messages the frames counted, per second (sum of link requests over the measured frames). */
  measuredPerSec: number;
  errors: number;
  frames: number;
  framesPerSec: number;
  bytesPerSec: number;
  bytesPerFrameMax: number;
}

/** 2 clients, 5 services, 10 links (world/fixtures/frames-bench.world.json), each client at `perLinkRps`. */
function smallWorld(perLinkRps: number): World {
  const world = fixtureWorld('frames-bench');
  for (const node of world.services) if (node.kind === 'client') node.config.rps = perLinkRps;
  return world;
}

/**
 * One fresh world per rate (created, deployed, measured, stopped), so no rate inherits connections, timers or a
 * half-finished replacement from the one before. One socket.io watcher counts the bytes of every frame.
 */
export async function runFrames(controller: Controller, rates: number[], measureMs: number): Promise<FrameResult[]> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(controller.base, {
    transports: ['websocket'],
    reconnection: false,
  });
  const frames: { frame: TrafficFrame; bytes: number }[] = [];
  socket.on('traffic:frame', (frame) => frames.push({ frame, bytes: Buffer.byteLength(JSON.stringify(frame)) }));
  const results: FrameResult[] = [];
  try {
    for (const rate of rates) {
      const record: WorldRecord = await controller.create(smallWorld(rate / 10));
      await new Promise<void>((resolve, reject) =>
        socket.emit('world:watch', { worldId: record.id }, (ack) =>
          ack?.ok ? resolve() : reject(new Error('watch refused')),
        ),
      );
      try {
        await controller.deploy(record.id, 60_000);
        await new Promise((r) => setTimeout(r, 2000)); // clients start, connections open
        const from = frames.length;
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, measureMs));
        const seconds = (Date.now() - t0) / 1000;
        const measured = frames.slice(from).filter((f) => f.frame.worldId === record.id);
        const sum = (pick: (l: TrafficFrame['links'][number]) => number) =>
          measured.reduce((n, f) => n + f.frame.links.reduce((m, l) => m + pick(l), 0), 0);
        results.push({
          askedPerSec: rate,
          measuredPerSec: Math.round(sum((l) => l.requests) / seconds),
          errors: sum((l) => l.errors + l.refused),
          frames: measured.length,
          framesPerSec: Math.round((measured.length / seconds) * 10) / 10,
          bytesPerSec: Math.round(measured.reduce((n, f) => n + f.bytes, 0) / seconds),
          bytesPerFrameMax: Math.max(0, ...measured.map((f) => f.bytes)),
        });
        process.stdout.write(`  frames at ${rate}/s: ${JSON.stringify(results.at(-1))}\n`);
      } finally {
        socket.emit('world:unwatch', { worldId: record.id });
        await controller.stopDeployment(record.id);
      }
    }
  } finally {
    socket.close();
  }
  return results;
}
