/** One line per important event, prefixed with the service id. Never per request, never a key. */
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
