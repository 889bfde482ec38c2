// Test helper: the built controller (server/dist/main.js) as a real process, as `npm start` runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './temp-app.js';

export const controllerBundle = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ControllerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  exited(): Promise<number | null>;
}

export async function startControllerProcess(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<ControllerProcess> {
  const child = spawn(process.execPath, [controllerBundle], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DW_DATA: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitFor(
    'the URL line',
    () => {
      if (child.exitCode !== null) throw new Error(`the controller exited (${child.exitCode}):\n${output}`);
      return /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    },
    15_000,
  );
  return { child, url, output: () => output, exited: () => exit };
}
