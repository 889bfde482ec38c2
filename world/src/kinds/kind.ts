// What a node kind is, in one place: its config schema and defaults, its node and spawn-config schemas, and the
// facts the rest of the code consults instead of branching on `kind` (may it be called, do its links grant
// permission, does it serve, is it a traffic source, may it run copies, what identity it gets, how it maps to
// compose). Adding a kind is one file here and one line in ./index.ts.
import type { Static, TObject } from 'typebox';
import type { Problem } from '../schema-problems.js';

/** Yes, or no with the reason a person is told when they ask for it anyway. */
export type Allowed = true | { why: string };

export interface KindFacts {
  /** A link may lead to it. */
  callable: Allowed;
  /**
   * Its allow links are permissions as well as routes: the callee admits it. An intruder's links are routes only
   * (it attacks over them), so they admit no one.
   */
  linksGrant: boolean;
  /** It may run several copies (`replicas`). */
  replicas: Allowed;
  /** It has a restart policy (a supervised process that may be restarted). */
  restart: boolean;
  /**
   * "member": a leaf of the world's CA in its own name, renewed and rotated with everyone's. "credential": what
   * its config says it attacks with (none, a foreign CA's, an expired one): made by the deployer, never renewed.
   */
  identity: 'member' | 'credential';
  /** The controller may change its rate while it runs (find the limit, PUT /_dw/load). */
  loadControl: boolean;
  /** In a compose file: a container (optionally with its port published on 127.0.0.1), or left out and why. */
  compose: { runs: true; publishesPort?: boolean } | { runs: false; why: string };
  /**
   * It keeps data of its own across restarts and redeploys (a queue's messages, a store's keys): the deployer
   * gives each such node a private directory per world (its spawn config's `dataDir`; a named volume in
   * compose), removed when the world is deleted or its data cleared, never by a stop or a redeploy.
   */
  durable?: boolean;
  /**
   * Its callers are told its kind (their spawn config's `Peer.kind`): they call it in its own way (a store is
   * called with GET/PUT/DELETE of keys rather than the mesh's POST).
   */
  namedToCallers?: boolean;
  /**
   * The controller's environment variables its process gets besides its spawn config (a process node's
   * program needs PATH to be found, HOME and LANG as most runtimes expect). Absent: none.
   */
  hostEnvironment?: readonly string[];
}

/** A figure a kind reports of itself in its telemetry (`gauges`), as its node shows it. */
export interface GaugeSpec {
  /** The name in the telemetry batch (a gauge name: a lowercase letter, then letters and digits). */
  name: string;
  /** For people: "depth", "oldest". */
  label: string;
  unit: 'count' | 'bytes' | 'perSec' | 'ms';
  /** What it means, one sentence. */
  means: string;
}

/** The credential a node of a "credential" kind is issued (see KindBehaviour.credential). */
export type Credential = 'none' | 'foreign-ca' | 'expired' | 'own';

/** Facts that may depend on a node's config (an intruder serves only as an impostor). */
export interface KindBehaviour<C> {
  /** It listens (mutual TLS) and the controller probes it; otherwise it only calls. */
  serves(config: C): boolean;
  /** It makes traffic on its own: it starts once the nodes it calls are ready. */
  trafficSource(config: C): boolean;
  /** What it is and why it may have no links of its own ("an impostor: it calls no one..."), or null when it may. */
  noLinksFrom?(config: C): string | null;
  /**
   * For an identity of kind "credential": what to issue. none: no certificate (only the CA, to trust those it
   * calls); foreign-ca: a leaf of a throwaway CA that is never trusted; expired: a leaf of the world's CA that
   * expired an hour ago; own: a valid leaf in its own name.
   */
  credential?(config: C): Credential;
  /** For a kind whose compose mapping publishes a port: the port on 127.0.0.1 its config asks for. */
  publishPort?(config: C): number;
  /**
   * Compose: its program runs as a container of its own (this image, told PORT = `port`, DW_EGRESS = `egressPort`
   * and `env`) that shares its network, beside it as its sidecar; or why it cannot run in containers.
   */
  composeProgram?(
    config: C,
  ): { image: string; port: number; egressPort: number; env: Record<string, string> } | { why: string };
  /** Compose import: a node's config from the behaviour its exported spawn config carries (what the export added, left out). */
  fromExportedBehaviour?(behaviour: Record<string, unknown>): C;
  /** Compose import: the config of a node made from a compose service of a matching image (its published ports). */
  fromCompose?(spec: { image: string; publishedPorts: number[]; targetPorts: number[] }): C;
  /**
   * The code of the person's own it runs (a handler, a command), for people ("its handler"), or undefined when
   * it runs none. A controller in remote mode refuses such worlds unless it was started to allow them.
   */
  runsCode?(config: C): string | undefined;
  /** The service whose callers are told it answers for it too (an impostor's target). */
  answersFor?(config: C): string | undefined;
}

/** What a checker tells a kind about where its config sits (a world's node, or a spawn config's behaviour). */
export interface ConfigContext {
  /** The node's id, in a world. */
  id?: string;
  /** The kind of each node id of the world (as written: it may not be a known kind); absent outside a world. */
  kindOf?(id: string): unknown;
}

export interface KindDescriptor<
  K extends string = string,
  C extends TObject = TObject,
  N extends TObject = TObject,
  S extends TObject = TObject,
> extends KindBehaviour<Static<C>> {
  readonly kind: K;
  /** For people: "Service", and one sentence on what it does. */
  readonly title: string;
  readonly summary: string;
  readonly config: C;
  /** A config with sensible values, so a node dropped on the canvas is ready to deploy. */
  defaults(): Static<C>;
  readonly node: N;
  readonly spawn: S;
  readonly facts: KindFacts;
  /**
   * The problems of a config (an object), pointers under `at` (where the config sits). When absent, the config
   * is checked against its schema; when given, it checks the schema too (it may explain a union better).
   */
  checkConfig?(config: Record<string, unknown>, at: string, context: ConfigContext): Problem[];
  /** Compose import: a service whose image matches becomes this kind (databases, brokers, proxies...). */
  readonly composeImages?: RegExp;
  /** Compose import, for people: what the images it takes are ("well-known databases and caches"). */
  readonly composeImagesAre?: string;
  /**
   * Compose import: a service that depends on a node of this kind and whose name matches consumes from it (a
   * worker of a broker): the link goes from this node to it instead (a queue delivers to its consumers).
   */
  readonly composeConsumers?: RegExp;
  /** The figures its processes report of themselves (telemetry `gauges`), in the order its node shows them. */
  readonly gauges?: readonly GaugeSpec[];
}

/** Keeps the exact types of a descriptor while checking it against the interface. */
export function defineKind<K extends string, C extends TObject, N extends TObject, S extends TObject>(
  descriptor: KindDescriptor<K, C, N, S>,
): KindDescriptor<K, C, N, S> {
  return descriptor;
}
