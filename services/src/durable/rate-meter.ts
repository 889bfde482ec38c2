// Events per second over the last second, and the mean of a value over it: ten slots of 100 ms, so a gauge
// reported every 100 ms moves smoothly and costs nothing per event but an addition.
const SLOT_MS = 100;
const SLOTS = 10;

export class RateMeter {
  private readonly counts = new Float64Array(SLOTS);
  private readonly sums = new Float64Array(SLOTS);
  private slot = 0;
  private slotStart: number;

  constructor(private readonly now: () => number = Date.now) {
    this.slotStart = now();
  }

  /** One event (with a value, e.g. its latency, for mean()). */
  add(value = 0): void {
    this.roll();
    this.counts[this.slot] = (this.counts[this.slot] as number) + 1;
    this.sums[this.slot] = (this.sums[this.slot] as number) + value;
  }

  /** Events per second over the last second. */
  perSec(): number {
    this.roll();
    let n = 0;
    for (const c of this.counts) n += c;
    const elapsed = Math.min(SLOTS * SLOT_MS, (SLOTS - 1) * SLOT_MS + (this.now() - this.slotStart));
    return elapsed > 0 ? Math.round((n * 1000 * 10) / elapsed) / 10 : 0;
  }

  /** The mean of the values added over the last second (0 when none). */
  mean(): number {
    this.roll();
    let n = 0;
    let sum = 0;
    for (let i = 0; i < SLOTS; i++) {
      n += this.counts[i] as number;
      sum += this.sums[i] as number;
    }
    return n > 0 ? Math.round((sum / n) * 1000) / 1000 : 0;
  }

  private roll(): void {
    const now = this.now();
    let steps = Math.floor((now - this.slotStart) / SLOT_MS);
    if (steps <= 0) return;
    if (steps > SLOTS) steps = SLOTS;
    for (let i = 0; i < steps; i++) {
      this.slot = (this.slot + 1) % SLOTS;
      this.counts[this.slot] = 0;
      this.sums[this.slot] = 0;
    }
    this.slotStart = now - ((now - this.slotStart) % SLOT_MS);
  }
}
