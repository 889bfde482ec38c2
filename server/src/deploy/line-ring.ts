// The last lines a child wrote, bounded in count and in line length, for crash details and a later logs view.

export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly capacity = 200,
    private readonly maxLineLength = 1000,
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
    this.lines.push(line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  last(): string | undefined {
    return this.lines.at(-1);
  }

  all(): string[] {
    return [...this.lines];
  }
}
