// A process: the person's own program, run beside this process, which is its sidecar. The program serves plain
// HTTP on 127.0.0.1:$PORT; each call a linked caller makes over mutual TLS (authorized by links, counted, traced
// by the server as for any service) is forwarded to it with `traceparent` (this hop's span as the parent),
// `x-dw-hops` and `x-dw-caller` (the caller's verified service id). Its egress, plain HTTP on
// 127.0.0.1:$DW_EGRESS, takes /<peer>/<path> to a linked peer through the caller (this node's identity, the
// link's faults and call policy, counted and traced within the trace the program passes on in `traceparent`).
//
// The program runs under a keeper (a small node process) in a process group of its own: the keeper ends the group
// when its stdin closes, which happens whenever this process ends, however it ends (even SIGKILL). When the
// program exits on its own, this process exits too (code 1), and the node's restart policy applies.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_PROCESS_START_MS,
  formatTraceparent,
  HOPS_HEADER,
  MAX_PAYLOAD_BYTES,
  type Peer,
  PROCESS_RESERVED_ENV,
  parseTraceparent,
  type SpawnConfigOf,
  TRACEPARENT_HEADER,
} from '@dw/world';
import type { Answer } from '../behaviour.js';
import { type Exchange, MAX_REPLY_BYTES } from '../caller.js';
import { LogLimit } from '../log.js';
import { parseHops } from '../server.js';
import { rootContext } from '../tracing.js';
import { defineKindRuntime, type KindContext } from './kind-runtime.js';
import { readBody, refuseBody, sendJson } from './plain-http.js';

/** The verified service id of the caller, as the sidecar tells the program. */
export const CALLER_HEADER = 'x-dw-caller';

/** Headers of one connection (RFC 9110 7.6.1) or of the mesh: never forwarded as they came, either way. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
  HOPS_HEADER,
  TRACEPARENT_HEADER,
  CALLER_HEADER,
]);

/** How long a forwarded call may take the program to answer. */
const PROGRAM_TIMEOUT_MS = 30_000;
/** After SIGTERM, the program's group has this long before SIGKILL. */
const PROGRAM_GRACE_MS = 2000;
/** Lines of the program's output a second that reach the node's logs; the rest are counted. */
const PROGRAM_LINES_PER_SECOND = 50;

/**
 * The keeper: runs the command with /bin/sh in a group of its own, passes its exit code on, and ends the whole
 * group when its stdin closes (its sidecar is gone) or when it is told to stop.
 */
const KEEPER = `
const { spawn } = require('node:child_process');
const { command, cwd } = JSON.parse(process.argv[1]);
const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
const group = (signal) => { try { process.kill(-child.pid, signal); } catch {} };
let ending = false;
const end = () => {
  if (ending) return;
  ending = true;
  group('SIGTERM');
  setTimeout(() => { group('SIGKILL'); process.exit(1); }, ${PROGRAM_GRACE_MS}).unref();
};
child.on('error', (err) => { process.stderr.write('cannot run the command: ' + err.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => { group('SIGKILL'); process.exit(code ?? (signal ? 128 : 1)); });
process.stdin.on('end', end);
process.stdin.on('close', end);
process.stdin.on('error', end);
process.stdin.resume();
process.on('SIGTERM', end);
process.on('SIGINT', end);
`;

interface Program {
  /** Absent when the program runs elsewhere (compose: its own container, sharing this one's network). */
  keeper?: ChildProcess;
  port: number;
  egress: http.Server;
  exited: Promise<number | null>;
  /** Set once the sidecar stops it: its exit is expected then. */
  stopping: boolean;
}

/** The program's environment: what it is told, a few of the controller's, and its node's own `env`. */
export function programEnvironment(
  config: SpawnConfigOf<'process'>,
  port: number,
  egressPort: number,
  host: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG']) if (host[name] !== undefined) env[name] = host[name];
  const reserved = new Set<string>(PROCESS_RESERVED_ENV);
  for (const [name, value] of Object.entries(config.behaviour.env ?? {})) if (!reserved.has(name)) env[name] = value;
  env.PORT = String(port);
  env.DW_EGRESS = String(egressPort);
  env.DW_SERVICE = config.serviceId;
  env.DW_WORLD = config.worldId;
  return env;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Each line of a stream into the node's logs, prefixed, at most PROGRAM_LINES_PER_SECOND a second. */
function linesTo(stream: NodeJS.ReadableStream | null, write: (line: string) => void): string[] {
  const last: string[] = [];
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > 4096) rest = rest.slice(0, 4096);
    for (const line of lines) {
      const shown = line.length > 1000 ? `${line.slice(0, 1000)}...` : line;
      write(shown);
      last.push(shown);
      if (last.length > 5) last.shift();
    }
  });
  return last;
}

/** The egress: /<peer>/<path> from the program to a linked peer, through the caller. */
function egressHandler({ config, caller, tracer }: KindContext<'process'>): http.RequestListener {
  const peers = new Map<string, Peer>(config.peers.map((p) => [p.id, p]));
  const linked = [...peers.keys()].sort();
  const sample = tracer.sampler();
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const match = /^\/([^/?#]+)(.*)$/.exec(url);
    const id = match?.[1];
    const peer = id ? peers.get(id) : undefined;
    if (!peer) {
      req.resume();
      return sendJson(res, 403, {
        error: 'not-linked',
        message: `"${config.serviceId}" is not linked to ${id ? `"${id}"` : 'that path'}: its egress reaches /<peer>/<path> for ${linked.length > 0 ? linked.join(', ') : 'no peer (link it to a service)'}`,
      });
    }
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (body === null) {
      refuseBody(req, res, MAX_PAYLOAD_BYTES);
      return;
    }
    const rest = match?.[2] ?? '';
    const path = rest.startsWith('/') ? rest : `/${rest}`;
    const incoming = req.headers[TRACEPARENT_HEADER];
    const ctx = parseTraceparent(typeof incoming === 'string' ? incoming : undefined) ?? rootContext(sample());
    const hops = parseHops(req.headers[HOPS_HEADER], config.hopBudget);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || NOT_FORWARDED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const exchange: Exchange = {
      method: req.method ?? 'GET',
      path,
      headers,
      ...(body.length > 0 ? { body } : {}),
    };
    const outcome = await caller.call(peer, hops - 1, Buffer.alloc(0), ctx, exchange);
    const reply = exchange.reply;
    if (res.destroyed) return;
    if (!reply) {
      return sendJson(res, 502, {
        error: 'upstream',
        message: `"${peer.id}" did not answer (${outcome === 'refused' ? 'refused' : 'down, timed out or cut by a fault'})`,
      });
    }
    const out: string[] = [];
    for (let i = 0; i + 1 < reply.headers.length; i += 2) {
      const name = (reply.headers[i] as string).toLowerCase();
      if (!NOT_FORWARDED.has(name)) out.push(reply.headers[i] as string, reply.headers[i + 1] as string);
    }
    out.push('content-length', String(reply.body.length));
    res.writeHead(reply.status, out);
    res.end(reply.body);
  };
  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'the call could not be made' });
    });
  };
}

/** Starts the egress and the program, and waits (bounded) for the program to listen on its port. */
async function startProgram(context: KindContext<'process'>): Promise<Program> {
  const { config, log } = context;
  const egress = http.createServer(egressHandler(context));
  egress.keepAliveTimeout = 5_000;
  egress.headersTimeout = 10_000;
  egress.requestTimeout = 30_000;
  egress.listen(config.behaviour.egressPort ?? 0, '127.0.0.1');
  await once(egress, 'listening');
  const egressPort = (egress.address() as AddressInfo).port;
  const { programPort } = config.behaviour;
  if (programPort !== undefined) {
    // compose: the program is a container of its own on this network; it starts after this one, so no waiting
    log.info(`program: in its own container at 127.0.0.1:${programPort}, egress on port ${egressPort}`);
    return { port: programPort, egress, exited: new Promise<number | null>(() => {}), stopping: false };
  }
  const port = await freePort();
  const { command, cwd } = config.behaviour;
  const keeper = spawn(process.execPath, ['-e', KEEPER, JSON.stringify({ command, cwd })], {
    env: programEnvironment(config, port, egressPort, process.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  keeper.stdin?.on('error', () => {});
  const limit = new LogLimit(log, PROGRAM_LINES_PER_SECOND, 'program');
  const out = linesTo(keeper.stdout, (line) => limit.write(`program: ${line}`));
  const err = linesTo(keeper.stderr, (line) => limit.write(`program: ${line}`, true));
  const exited = new Promise<number | null>((resolve) => keeper.once('exit', (code) => resolve(code)));
  const program: Program = { keeper, port, egress, exited, stopping: false };
  log.info(`program: \`${command}\` (pid ${keeper.pid}) on port ${port}, egress on port ${egressPort}`);

  const timeoutMs = config.behaviour.startTimeoutMs ?? DEFAULT_PROCESS_START_MS;
  const deadline = Date.now() + timeoutMs;
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  for (;;) {
    if (gone !== undefined) {
      egress.close();
      const said = [...err, ...out].slice(-3).join(' | ');
      throw new Error(
        `the program of "${config.serviceId}" exited (code ${gone}) before it listened on port ${port}${said ? `: ${said}` : ''}`,
      );
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      keeper.kill('SIGTERM');
      egress.close();
      throw new Error(
        `the program of "${config.serviceId}" did not listen on 127.0.0.1:$PORT (${port}) within ${timeoutMs} ms`,
      );
    }
    await sleep(50);
  }
  void exited.then((code) => {
    if (program.stopping) return;
    log.error(`the program exited on its own (code ${code}): "${config.serviceId}" stops with it`);
    process.exit(1);
  });
  return program;
}

/** Forwards one accepted call to the program and gives its answer back. */
function forward(program: Program, agent: http.Agent) {
  return (
    hops: number,
    trace: { traceId: string; spanId: string; sampled: boolean },
    inbound: {
      method: string;
      url: string;
      from: string;
      body: Buffer | null;
      headers?: readonly string[];
    },
  ): Promise<Answer> =>
    new Promise((resolve) => {
      const headers: string[] = [];
      const raw = inbound.headers ?? [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (!NOT_FORWARDED.has((raw[i] as string).toLowerCase())) headers.push(raw[i] as string, raw[i + 1] as string);
      }
      const body = inbound.body ?? Buffer.alloc(0);
      headers.push(
        // (given as a list, headers get no Host of Node's own, and HTTP/1.1 servers refuse a request without one)
        'host',
        `127.0.0.1:${program.port}`,
        TRACEPARENT_HEADER,
        formatTraceparent(trace),
        HOPS_HEADER,
        String(hops),
        CALLER_HEADER,
        inbound.from,
        'content-length',
        String(body.length),
      );
      const failed = (message: string) => resolve({ status: 502, body: { error: 'program', message } });
      const req = http.request(
        {
          host: '127.0.0.1',
          port: program.port,
          method: inbound.method,
          path: inbound.url,
          headers,
          agent,
          timeout: PROGRAM_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) {
              res.destroy();
              failed(`the program's answer is larger than ${MAX_REPLY_BYTES} bytes`);
            } else chunks.push(chunk);
          });
          res.on('end', () => {
            const own: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined && !NOT_FORWARDED.has(name))
                own[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 502, body: {}, bytes: Buffer.concat(chunks, size), headers: own });
          });
          res.on('error', () => failed('the program broke off its answer'));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${PROGRAM_TIMEOUT_MS} ms`)));
      req.on('error', (err) => failed(`the program did not answer: ${err.message}`));
      req.end(body);
    });
}

export const processRuntime = defineKindRuntime<'process', Program>({
  kind: 'process',
  prepare: startProgram,
  create(_context, program) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    return {
      behaviour: forward(program, agent),
      readsBody: true,
      describe: () => `sidecar of its program on port ${program.port}`,
      stop: async () => {
        program.stopping = true;
        program.egress.closeAllConnections();
        program.egress.close();
        agent.destroy();
        if (!program.keeper) return;
        program.keeper.kill('SIGTERM');
        await Promise.race([program.exited, sleep(PROGRAM_GRACE_MS + 500)]);
      },
    };
  },
});
