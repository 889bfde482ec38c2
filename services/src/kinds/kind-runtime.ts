// What one kind does inside a service process. The runtime (../runtime.ts) builds what every process has
// (stats, tracer, faults, caller, telemetry, identity reloads) and asks the kind for the rest: how it answers
// the calls its linked callers make, the traffic it makes on its own, a door of its own in front of the mTLS
// server. Adding a kind is one file here and one line in ./index.ts.
import type * as http from 'node:http';
import type * as https from 'node:https';
import type * as net from 'node:net';
import type { ClientCallPolicy, Gauge, ServiceKind, SpawnConfigOf } from '@dw/world';
import type { Answer, Behaviour } from '../behaviour.js';
import type { Caller } from '../caller.js';
import type { FaultTable } from '../faults.js';
import type { IdentityPem } from '../identity.js';
import type { Log } from '../log.js';
import type { Stats } from '../stats.js';
import type { Tracer } from '../tracing.js';

export interface KindContext<K extends ServiceKind> {
  config: SpawnConfigOf<K>;
  identity: IdentityPem;
  log: Log;
  stats: Stats;
  tracer: Tracer;
  caller: Caller;
  faults: FaultTable;
}

/** A request of the controller to a kind's own route (KIND_CONTROL in @dw/world), its body not read. */
export interface ControlRequest {
  method: string;
  /** The path without its query. */
  path: string;
  query: URLSearchParams;
}

export interface KindParts {
  /** How it answers a call of a linked caller on its mTLS server. */
  behaviour: Behaviour;
  /** Its behaviour reads request bodies (they are read, bounded, before it runs). */
  readsBody?: boolean;
  /** The controller may change its rate (PUT /_dw/load). */
  setRate?(rps: number): void;
  /** Starts the traffic it makes on its own, once it listens. */
  start?(): void;
  /** Stops making traffic; resolves once its calls in flight ended (or gave up waiting). */
  stop?(): Promise<void>;
  /**
   * A door of its own on the same port: given the mTLS server, it returns what listens instead (it hands TLS
   * connections to that server). A gateway's plain-HTTP door.
   */
  front?(tlsServer: https.Server): net.Server;
  /** Requests on TLS connections without a valid client certificate (a gateway's door over TLS). */
  door?: http.RequestListener;
  /** What the start-up log line says of it. */
  describe?(): string;
  /** The figures it reports of itself in every telemetry batch (its descriptor's `gauges`). */
  gauges?(): Gauge[];
  /**
   * Its own routes for the controller (a store's keys, clearing its data): an answer, or null when the route is
   * not one of its own (the controller then gets the usual 403).
   */
  control?(request: ControlRequest): Promise<Answer | null>;
}

export interface KindRuntime<K extends ServiceKind = ServiceKind, P = void> {
  readonly kind: K;
  /** The call policy of its caller when its config has no `calls` of its own (a queue's delivery timeout). */
  callPolicy?(config: SpawnConfigOf<K>): ClientCallPolicy | undefined;
  /** What it needs before it serves, made asynchronously (a durable kind reads its log back here). */
  prepare?(context: KindContext<K>): Promise<P>;
  /**
   * Its caller treats a connection closed before any answer as the callee refusing it (an intruder knows its
   * credential is bad: with TLS 1.3 Node closes without an alert when it rejects a client certificate).
   */
  readonly closedMeansRefused?: boolean;
  create(context: KindContext<K>, prepared: P): KindParts;
}

export function defineKindRuntime<K extends ServiceKind, P = void>(runtime: KindRuntime<K, P>): KindRuntime<K, P> {
  return runtime;
}
