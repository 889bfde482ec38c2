// `npm start`: install what is missing, build, and start the controller (http://127.0.0.1:4400, PORT overrides).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureDependencies, ensurePnpm, root, runOrExit } from './toolchain.mjs';

const pnpm = ensurePnpm();
ensureDependencies(pnpm);
runOrExit(pnpm, ['-r', '--workspace-concurrency=1', 'run', 'build']);
const server = spawn(process.execPath, [join(root, 'server', 'dist', 'main.js')], { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
