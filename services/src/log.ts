/** One line per important event, prefixed with the service id. Never per request (but a handler's or a program's own lines, bounded: LogLimit), never a key. */
export interface Log {
  info(message: string): void;
  error(message: string): void;
}

export function createLog(serviceId: string): Log {
  const prefix = `[dw:${serviceId} ${process.pid}]`;
  return {
    info: (message) => process.stdout.write(`${prefix} ${message}\n`),
    error: (message) => process.stderr.write(`${prefix} ${message}\n`),
  };
}

/** At most `perSecond` lines a second of someone else's words (a handler's, a program's); the rest are counted. */
export class LogLimit {
  private second = 0;
  private lines = 0;
  private left = 0;
  constructor(
    private readonly log: Log,
    private readonly perSecond: number,
    private readonly whose: string,
  ) {}
  write(line: string, error = false): void {
    const now = Math.floor(Date.now() / 1000);
    if (now !== this.second) {
      if (this.left > 0)
        this.log.info(`${this.whose}: ${this.left} more line(s) left out (at most ${this.perSecond} a second)`);
      this.second = now;
      this.lines = 0;
      this.left = 0;
    }
    if (this.lines++ >= this.perSecond) this.left++;
    else if (error) this.log.error(line);
    else this.log.info(line);
  }
}
