// A process node: a Python program (the standard library's HTTP server) behind its sidecar, in real processes
// of dist/main.js talking mutual TLS on 127.0.0.1 (build first: `cd services && node build.mjs`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processKind, type Span, type SpawnConfig, type TelemetryBatch } from '@dw/world';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Children, freePort, mtlsRequest, spawnConfig, stop, TelemetrySink, TestPki } from '../testing.js';

const PROGRAM = `
import json, os, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EGRESS = 'http://127.0.0.1:' + os.environ['DW_EGRESS']

class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def call(self, path):
        # the trace and the hops go on with the call, as the sidecar asks
        headers = {k: self.headers[k] for k in ('traceparent', 'x-dw-hops') if self.headers[k]}
        req = urllib.request.Request(EGRESS + path, headers=headers, method='POST', data=b'{}')
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def do_GET(self):
        if self.path.startswith('/via/'):
            status, body = self.call('/' + self.path[len('/via/'):] + '/charge')
            return self.answer(200, {'peerStatus': status, 'peer': body})
        self.answer(200, {
            'hello': 'from python', 'pid': os.getpid(), 'caller': self.headers['x-dw-caller'], 'host': self.headers['host'],
            'traceparent': self.headers['traceparent'], 'env': sorted(os.environ.keys()),
        })

    def log_message(self, *args):
        pass

ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler).serve_forever()
`;

const children = new Children();
let pki: TestPki;
let sink: TelemetrySink;
let dir: string;

beforeAll(async () => {
  pki = await TestPki.create('process-world');
  sink = await new TelemetrySink().start();
  dir = mkdtempSync(join(tmpdir(), 'dw-program-'));
  writeFileSync(join(dir, 'server.py'), PROGRAM);
});
afterEach(async () => {
  await children.killAll();
  sink.batches.length = 0;
});
afterAll(async () => {
  await children.killAll();
  await sink?.close();
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const callsOn = (batches: TelemetryBatch[], linkId: string) =>
  batches.flatMap((b) => b.calls).reduce((n, c) => (c.linkId === linkId ? n + c.requests : n), 0);
const acceptedFrom = (batches: TelemetryBatch[], from: string) =>
  batches.flatMap((b) => b.inbound).reduce((n, i) => (i.from === from ? n + i.accepted : n), 0);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function startWorld(command = 'python3 server.py', attach: { programPort?: number; egressPort?: number } = {}) {
  const [pApi, pPayments] = [await freePort(), await freePort()];
  children.spawn(
    spawnConfig(pki, await pki.identity('payments'), sink, {
      serviceId: 'payments',
      kind: 'service',
      port: pPayments,
      allowedCallers: [pki.spiffe('api')],
    }),
  );
  const api = await pki.identity('api');
  const config: SpawnConfig = {
    ...spawnConfig(pki, api, sink, {
      serviceId: 'api',
      kind: 'service',
      port: pApi,
      allowedCallers: [pki.spiffe('client')],
      peers: [{ linkId: 'to-payments', id: 'payments', url: `https://127.0.0.1:${pPayments}` }],
    }),
    kind: 'process',
    behaviour: { command, cwd: dir, env: { GREETING: 'hi', PORT: 'not this one' }, ...attach },
  } as SpawnConfig;
  // the environment the controller gives a process node: its spawn config, PATH, HOME, LANG (serviceEnvironment)
  const sidecar = children.spawn(config, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DW_TOKEN: 'a secret of the controller' },
  });
  await sink.waitFor('api and payments ready', () => sink.of('api').length > 0 && sink.of('payments').length > 0);
  const as = async (name: string, path: string, headers: Record<string, string> = {}) => {
    const who = await pki.identity(name);
    return mtlsRequest(pApi, {
      servername: 'api',
      ca: who.caPem,
      cert: who.certPem,
      key: who.keyPem,
      method: 'GET',
      path,
      headers,
    });
  };
  return { sidecar, as };
}

describe('a process behind its sidecar', () => {
  it('serves a linked caller, who it is said in x-dw-caller; its environment is the one it was given', async () => {
    const { as } = await startWorld();
    const answer = await as('client', '/hello');
    expect(answer.status, answer.body).toBe(200);
    const body = JSON.parse(answer.body ?? '');
    expect(body).toMatchObject({ hello: 'from python', caller: 'client' });
    // HTTP/1.1 wants a Host (Node's own server answers 400 without one): the program's own address
    expect(body.host).toMatch(/^127\.0\.0\.1:\d+$/);
    // what it is told and its node's own; PORT is the sidecar's to set, never the node's env (the port it listens
    // on is the one the sidecar forwards to, or this answer would not have come). Nothing else of the sidecar's:
    // not its spawn config (the telemetry token), not a secret of the controller's. (sh, pyenv and Python add
    // a few of their own, such as PWD and LC_CTYPE.)
    expect(body.env).toEqual(
      expect.arrayContaining(['DW_EGRESS', 'DW_SERVICE', 'DW_WORLD', 'GREETING', 'HOME', 'PATH', 'PORT']),
    );
    expect(body.env).not.toContain('DW_SPAWN_CONFIG');
    expect(body.env).not.toContain('DW_TOKEN');
  });

  it('refuses callers without a link: the program never sees them', async () => {
    const { as } = await startWorld();
    const answer = await as('stranger', '/hello');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body ?? '')).toMatchObject({ error: 'not-linked' });
    await sink.waitFor('the refusal reported', () =>
      sink.of('api').some((b) => b.refusals.some((r) => r.from === 'stranger' && r.reason === 'not-linked')),
    );
  });

  it('calls a linked peer through its egress, in the same trace; the traffic shows on both links', async () => {
    const { as } = await startWorld();
    const traceId = 'ab'.repeat(16);
    const answer = await as('client', '/via/payments', { traceparent: `00-${traceId}-${'cd'.repeat(8)}-01` });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body ?? '')).toEqual({ peerStatus: 200, peer: { ok: true, serviceId: 'payments' } });
    // a peer it has no link to: refused at the egress, said plainly
    const unlinked = await as('client', '/via/orders');
    expect(JSON.parse(unlinked.body ?? '')).toMatchObject({
      peerStatus: 403,
      peer: { error: 'not-linked', message: expect.stringContaining('"api" is not linked to "orders"') },
    });
    await sink.waitFor(
      'the calls counted',
      () =>
        acceptedFrom(sink.of('api'), 'client') === 2 &&
        callsOn(sink.of('api'), 'to-payments') === 1 &&
        acceptedFrom(sink.of('payments'), 'api') === 1,
    );
    // one trace: the sidecar's server span, its client span to payments under it, payments' server span under that
    await sink.waitFor(
      'the spans',
      () => sink.batches.flatMap((b) => b.spans ?? []).filter((s) => s.traceId === traceId).length >= 3,
    );
    const spans: Span[] = sink.batches.flatMap((b) => b.spans ?? []).filter((s) => s.traceId === traceId);
    const server = spans.find((s) => s.service === 'api' && s.kind === 'server');
    const client = spans.find((s) => s.service === 'api' && s.kind === 'client');
    const callee = spans.find((s) => s.service === 'payments' && s.kind === 'server');
    expect(server?.parentId).toBe('cd'.repeat(8));
    expect(client?.parentId).toBe(server?.spanId);
    expect(callee?.parentId).toBe(client?.spanId);
  });

  it('takes its program with it when it stops, and when it is killed outright', async () => {
    const first = await startWorld();
    const pid = JSON.parse((await first.as('client', '/hello')).body ?? '').pid as number;
    expect(alive(pid)).toBe(true);
    expect(await stop(first.sidecar)).toEqual({ code: 0, signal: null });
    await sink.waitFor('the program gone after a stop', () => !alive(pid), 5000);
    await children.killAll();
    sink.batches.length = 0;

    const second = await startWorld();
    const pid2 = JSON.parse((await second.as('client', '/hello')).body ?? '').pid as number;
    second.sidecar.proc.kill('SIGKILL');
    await sink.waitFor('the program gone after SIGKILL', () => !alive(pid2), 5000);
  });

  it('forwards to a program that runs elsewhere on its network (compose: programPort), and gives it a fixed egress', async () => {
    const [programPort, egressPort] = [await freePort(), await freePort()];
    // the program started on its own (in compose: its container), told where the egress will be
    const program = spawn('python3', ['server.py'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(programPort),
        DW_EGRESS: String(egressPort),
      },
      stdio: 'ignore',
    });
    try {
      const { as } = await startWorld('exit 7', { programPort, egressPort });
      // it starts in parallel, as a container would: until it listens the sidecar answers 502, and nothing waits
      let answer = await as('client', '/via/payments');
      for (let i = 0; i < 100 && answer.status === 502; i++) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await as('client', '/via/payments');
      }
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body ?? '')).toEqual({ peerStatus: 200, peer: { ok: true, serviceId: 'payments' } });
    } finally {
      program.kill('SIGKILL');
    }
  });

  it("runs a new node's default command: a Python server answering hello, serving no file of this machine", async () => {
    const { as } = await startWorld(processKind.defaults().command);
    const answer = await as('client', '/');
    expect(answer).toEqual({ status: 200, body: 'hello\n' });
  });

  it('fails to start, with the reason, when its program exits before it listens', async () => {
    const port = await freePort();
    const child = children.spawn(
      {
        ...spawnConfig(pki, await pki.identity('broken'), sink, { serviceId: 'broken', kind: 'service', port }),
        kind: 'process',
        behaviour: { command: 'echo "no such module" >&2; exit 3', cwd: dir },
      },
      { env: { PATH: process.env.PATH ?? '' } },
    );
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.output()).toMatch(
      /the program of "broken" exited \(code 3\) before it listened on port \d+: no such module/,
    );
  });
});
