// A queue's messages and dead letters: in memory, and in an append-only log (./append-log.ts) when the queue is
// durable. A publish is on disk before it is acknowledged (and before it can be delivered); an ack or a move to
// the dead letters is written after the fact, without waiting: if it is lost in a crash, the message is
// delivered again (at least once, never lost). Ids keep increasing across restarts and compactions.
import { join } from 'node:path';
import type { DeadLetter } from '@dw/world';
import { AppendLog, type Log, MemoryLog } from './append-log.js';

const PUBLISH = 1;
const ACK = 2;
const DEAD = 3;
const NEXT_ID = 4;
const PREVIEW_BYTES = 256;

export interface Message {
  id: number;
  /** Epoch ms (fractional) it was published. */
  publishedAt: number;
  /** Hops its publish had left at the queue: its delivery may take one fewer. */
  hops: number;
  traceId: string;
  /** The queue's span of the publish (the wait's parent). */
  parentSpan: string;
  sampled: boolean;
  /** The span id of its wait in the queue: the parent of its deliveries. */
  waitSpan: string;
  payload: Buffer;
  /** Deliveries that failed or timed out (not those that could not be sent at all). */
  attempts: number;
  /** Deliveries sent, whatever came of them. */
  sent: number;
}

type Header = Omit<Message, 'payload' | 'attempts' | 'sent'>;

function encodePublish(m: Message): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      id: m.id,
      at: m.publishedAt,
      h: m.hops,
      t: m.traceId,
      p: m.parentSpan,
      s: m.sampled ? 1 : 0,
      w: m.waitSpan,
    }),
  );
  const out = Buffer.allocUnsafe(5 + header.length + m.payload.length);
  out.writeUInt8(PUBLISH, 0);
  out.writeUInt32LE(header.length, 1);
  header.copy(out, 5);
  m.payload.copy(out, 5 + header.length);
  return out;
}

function encodeNumber(op: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out.writeUInt8(op, 0);
  out.writeDoubleLE(n, 1);
  return out;
}

function encodeDead(letter: DeadLetter): Buffer {
  return Buffer.concat([Buffer.of(DEAD), Buffer.from(JSON.stringify(letter))]);
}

export interface MessageStoreOptions {
  /** Where the log lives; null keeps everything in memory (a queue that need not survive a restart). */
  dir: string | null;
  maxDeadLetters: number;
  compactAtBytes?: number;
}

export class MessageStore {
  /** Messages held, in publish order (oldest first). */
  readonly messages = new Map<number, Message>();
  /** Dead letters, oldest first. */
  readonly dead: DeadLetter[] = [];
  /** Dead letters dropped beyond maxDeadLetters since it started. */
  deadDropped = 0;
  private nextId = 1;
  /** Bytes of the messages it holds. */
  payloadBytes = 0;
  private log!: Log;

  private constructor(private readonly options: MessageStoreOptions) {}

  static async open(options: MessageStoreOptions): Promise<MessageStore> {
    const store = new MessageStore(options);
    store.log =
      options.dir === null
        ? new MemoryLog()
        : await AppendLog.open({
            file: join(options.dir, 'queue.log'),
            onRecord: (payload) => store.apply(payload),
            snapshot: () => store.snapshot(),
            liveBytes: () => store.payloadBytes + store.messages.size * 200 + store.dead.length * 400,
            ...(options.compactAtBytes !== undefined ? { compactAtBytes: options.compactAtBytes } : {}),
          });
    return store;
  }

  get recovered() {
    return this.log.recovered;
  }

  get logBytes(): number {
    return this.log.size;
  }

  get compactions(): number {
    return this.log.compactions;
  }

  /** Takes a new message's id now (ids are in publish order even when the disk reorders nothing). */
  takeId(): number {
    return this.nextId++;
  }

  /** Writes a message; resolves once it is on disk (it is held from then on, and `onHeld` has run). */
  publish(message: Message, onHeld: (m: Message) => void): Promise<void> {
    return this.log.append(encodePublish(message), () => {
      this.hold(message);
      onHeld(message);
    });
  }

  /** The consumer answered 2xx: the message is gone (the record follows without waiting). */
  ack(id: number): void {
    const m = this.messages.get(id);
    if (!m) return;
    this.release(m);
    this.log.append(encodeNumber(ACK, id)).catch(() => {});
  }

  /** Gives up on a message: it moves to the dead letters. */
  kill(m: Message, reason: string, at = Date.now()): DeadLetter {
    this.release(m);
    const letter: DeadLetter = {
      id: m.id,
      publishedAt: Math.round(m.publishedAt),
      deadAt: at,
      attempts: m.attempts,
      reason: reason.slice(0, 200),
      bytes: m.payload.length,
      preview: m.payload.subarray(0, PREVIEW_BYTES).toString('utf8'),
    };
    this.addDead(letter);
    this.log.append(encodeDead(letter)).catch(() => {});
    return letter;
  }

  /** Forgets every message and dead letter, on disk too; resolves with how many messages there were. */
  async clear(): Promise<number> {
    let removed = 0;
    await this.log.reset(() => {
      removed = this.messages.size;
      this.messages.clear();
      this.dead.length = 0;
      this.payloadBytes = 0;
    });
    // the ids go on increasing after a clear
    this.log.append(encodeNumber(NEXT_ID, this.nextId)).catch(() => {});
    return removed;
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private hold(m: Message): void {
    this.messages.set(m.id, m);
    this.payloadBytes += m.payload.length;
    if (m.id >= this.nextId) this.nextId = m.id + 1;
  }

  private release(m: Message): void {
    if (this.messages.delete(m.id)) this.payloadBytes -= m.payload.length;
  }

  private addDead(letter: DeadLetter): void {
    if (this.options.maxDeadLetters === 0) {
      this.deadDropped++;
      return;
    }
    this.dead.push(letter);
    while (this.dead.length > this.options.maxDeadLetters) {
      this.dead.shift();
      this.deadDropped++;
    }
  }

  /** One record read back at open. */
  private apply(payload: Buffer): void {
    const op = payload.readUInt8(0);
    if (op === PUBLISH) {
      const length = payload.readUInt32LE(1);
      const h = JSON.parse(payload.toString('utf8', 5, 5 + length)) as Record<string, unknown>;
      const header: Header = {
        id: h.id as number,
        publishedAt: h.at as number,
        hops: h.h as number,
        traceId: h.t as string,
        parentSpan: h.p as string,
        sampled: h.s === 1,
        waitSpan: h.w as string,
      };
      this.hold({ ...header, payload: Buffer.from(payload.subarray(5 + length)), attempts: 0, sent: 0 });
    } else if (op === ACK) {
      const m = this.messages.get(payload.readDoubleLE(1));
      if (m) this.release(m);
    } else if (op === DEAD) {
      const letter = JSON.parse(payload.toString('utf8', 1)) as DeadLetter;
      const m = this.messages.get(letter.id);
      if (m) this.release(m);
      this.addDead(letter);
      if (letter.id >= this.nextId) this.nextId = letter.id + 1;
    } else if (op === NEXT_ID) {
      this.nextId = Math.max(this.nextId, payload.readDoubleLE(1));
    }
  }

  private *snapshot(): Iterable<Buffer> {
    yield encodeNumber(NEXT_ID, this.nextId);
    for (const letter of this.dead) yield encodeDead(letter);
    for (const m of this.messages.values()) yield encodePublish(m);
  }
}
