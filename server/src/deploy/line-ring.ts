// The last lines a child wrote, bounded in count and in line length, for crash details and a later logs view.

export class LineRing {
  private readonly lines: string[] = [];
  private readonly times: number[] = [];
  private partial = '';

  constructor(
    private readonly capacity = 200,
    private readonly maxLineLength = 1000,
    /** Called with every line kept, as it is kept (for live log watchers). */
    private readonly onLine?: (line: string, at: number) => void,
  ) {}

  /** Feeds a chunk of output; complete lines are kept, a trailing partial line waits for its end. */
  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = (parts.pop() ?? '').slice(-this.maxLineLength * 2);
    for (const line of parts) this.add(line);
  }

  /** Ends the stream: a trailing partial line becomes a line. */
  flush(): void {
    if (this.partial.length > 0) this.add(this.partial);
    this.partial = '';
  }

  private add(line: string): void {
    if (line.trim().length === 0) return;
    const kept = line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line;
    const at = Date.now();
    this.lines.push(kept);
    this.times.push(at);
    if (this.lines.length > this.capacity) {
      this.lines.splice(0, this.lines.length - this.capacity);
      this.times.splice(0, this.times.length - this.capacity);
    }
    this.onLine?.(kept, at);
  }

  last(): string | undefined {
    return this.lines.at(-1);
  }

  all(): string[] {
    return [...this.lines];
  }

  /** Every line kept with when it was read, oldest first. */
  entries(): { line: string; at: number }[] {
    return this.lines.map((line, i) => ({ line, at: this.times[i] as number }));
  }
}
