// Every process a benchmark starts is owned here: forked with an IPC channel (a child exits when it closes),
// killed at the end, and SIGKILLed if this process exits some other way.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';

const children = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

export function start(script: string, env: Record<string, string>, name: string): ChildProcess {
  // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it exits
  const profile = process.env.BENCH_CPU_PROF;
  const execArgv = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null) process.stderr.write(`${name} exited ${code}: ${tail}\n`);
  });
  return child;
}

/** Resolves with the first stdout match of `pattern`, or rejects after `timeoutMs`. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  name: string,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before printing ${pattern}: ${text.slice(-500)}`));
    });
  });
}

export async function stopAll(): Promise<void> {
  const all = [...children];
  for (const child of all) child.kill('SIGTERM');
  await Promise.all(
    all.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await once(child, 'exit');
      clearTimeout(timer);
    }),
  );
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
