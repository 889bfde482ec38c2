// A process runs a program the person gives (any local command: a Python or Go server, a Node app) beside a
// sidecar the world starts for it. The program serves plain HTTP on 127.0.0.1:$PORT; the sidecar (the service
// process itself) terminates mutual TLS inbound with the same authorization by links, forwards each accepted
// call to the program, and gives it an egress: http://127.0.0.1:$DW_EGRESS/<peer>/<path> reaches a linked
// peer over mutual TLS with the node's identity. Traffic through the sidecar is counted, traced and subject to
// faults like any service's. The command runs as the controller's user (see docs/SECURITY.md).
import Type, { type Static } from 'typebox';
import { ClientCallPolicy } from '../call-policy.js';
import { displayField, nodeFields, restartField, strict } from '../node-parts.js';
import { Identity, spawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';

/** The variables the sidecar sets for the program itself: never taken from the node's `env`. */
export const PROCESS_RESERVED_ENV = ['PORT', 'DW_EGRESS', 'DW_SERVICE', 'DW_WORLD'] as const;

/** A new process node's command: a few lines of Python's standard library answering "hello" on $PORT. */
export const DEFAULT_PROCESS_COMMAND =
  "python3 -c 'import os;from http.server import BaseHTTPRequestHandler as B,HTTPServer as S;" +
  'f=lambda s:(s.send_response(200),s.send_header("content-length","6"),s.end_headers(),s.wfile.write(b"hello\\n"));' +
  'S(("127.0.0.1",int(os.environ["PORT"])),type("H",(B,),{"do_GET":f,"do_POST":f})).serve_forever()\'';

/** How long the program has to listen on its port by default. */
export const DEFAULT_PROCESS_START_MS = 15_000;

export const ProcessConfig = Type.Object(
  {
    /** The command, run by /bin/sh -c in `cwd`: e.g. `python3 server.py`. */
    command: Type.String({ minLength: 1, maxLength: 4096 }),
    /** The directory it runs in (an absolute path); default: the controller's. */
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' })),
    /** More variables for the program (besides PORT, DW_EGRESS, DW_SERVICE, DW_WORLD, PATH, HOME, LANG). */
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), Type.String({ maxLength: 4096 }), {
        maxProperties: 32,
      }),
    ),
    /** How long the program has to listen on $PORT before the node counts as failed (ms). */
    startTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
    /** Compose export: the program's image, run beside its sidecar (which shares its network). */
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s$]+$' })),
    /** The port the program's image listens on in compose (its PORT there); default 8080. */
    imagePort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /**
     * Set by the compose export: the program runs in a container of its own that shares this one's network and
     * listens on this port; the sidecar starts nothing and only forwards (and the command is not run).
     */
    programPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** Set by the compose export: the egress's port (fixed, since the program's container is told it). */
    egressPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** Timeout, retries and breaker of its calls through the egress. */
    calls: Type.Optional(ClientCallPolicy),
  },
  strict,
);
export type ProcessConfig = Static<typeof ProcessConfig>;

export const ProcessNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('process'), config: ProcessConfig, ...restartField, ...displayField },
  strict,
);
export type ProcessNode = Static<typeof ProcessNode>;

/** The port a process's image listens on in compose when its config names none. */
export const DEFAULT_PROCESS_IMAGE_PORT = 8080;
/** The egress's port inside a process's network in compose. */
export const COMPOSE_EGRESS_PORT = 15001;

export const processKind = defineKind({
  kind: 'process',
  title: 'Process',
  summary:
    'runs your own program (a command) behind a sidecar: mutual TLS and links in front of it, an egress to its links',
  config: ProcessConfig,
  // A program that serves nothing of this machine's (not a directory listing): it answers "hello" to anything.
  defaults: () => ({ command: DEFAULT_PROCESS_COMMAND }),
  node: ProcessNode,
  spawn: spawnVariant('process', ProcessConfig, Identity),
  facts: {
    callable: true,
    linksGrant: true,
    replicas: { why: 'a process node runs one copy of its program' },
    restart: true,
    identity: 'member',
    loadControl: false,
    compose: { runs: true },
    hostEnvironment: ['PATH', 'HOME', 'LANG'],
  },
  serves: () => true,
  trafficSource: () => false,
  runsCode: (config) =>
    `the command "${config.command.length > 60 ? `${config.command.slice(0, 60)}...` : config.command}"`,
  composeProgram: (config) =>
    config.image === undefined
      ? { why: 'a process node runs in compose only with an image for its program (its command runs on this machine)' }
      : {
          image: config.image,
          port: config.imagePort ?? DEFAULT_PROCESS_IMAGE_PORT,
          env: config.env ?? {},
          egressPort: COMPOSE_EGRESS_PORT,
        },
  fromExportedBehaviour: ({ programPort: _, egressPort: __, ...config }) => config as ProcessConfig,
  fromCompose: ({ image, targetPorts }) => {
    // the port its program listens on in its container (the published one's target)
    const port = targetPorts[0] ?? DEFAULT_PROCESS_IMAGE_PORT;
    // Locally its image runs under docker with its port on $PORT; built from source only, it has no image yet
    // and the person says how it runs here.
    return image === ''
      ? {
          command: 'echo "say how this program runs here: it must serve plain HTTP on 127.0.0.1:$PORT" >&2; exit 1',
          imagePort: port,
        }
      : { command: `docker run --rm -p 127.0.0.1:$PORT:${port} ${image}`, image, imagePort: port };
  },
});
