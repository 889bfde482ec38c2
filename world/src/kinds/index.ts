// The registry of node kinds: the one list a new kind is added to. Everything that differs by kind is read from
// the descriptors here (facts, schemas, defaults), and the rules that involve several nodes live below, once.
import Type, { type Static } from 'typebox';
import type { RestartPolicy } from '../call-policy.js';
import { type Problem, schemaProblems } from '../schema-problems.js';
import { client } from './client.js';
import { gateway } from './gateway.js';
import { intruder } from './intruder.js';
import type { ConfigContext, Credential, KindDescriptor } from './kind.js';
import { processKind } from './process.js';
import { queue } from './queue.js';
import { service } from './service.js';
import { store } from './store.js';

export * from './client.js';
export * from './gateway.js';
export * from './intruder.js';
export type { Allowed, ConfigContext, Credential, GaugeSpec, KindDescriptor, KindFacts } from './kind.js';
export * from './process.js';
export * from './queue.js';
export * from './service.js';
export * from './store.js';

/** Every kind, in the order the palette shows them. */
export const KIND_LIST = [client, service, processKind, gateway, queue, store, intruder] as const;

/** One node of the diagram; `kind` decides the shape of `config`. */
export const WorldService = Type.Union([
  client.node,
  service.node,
  processKind.node,
  gateway.node,
  queue.node,
  store.node,
  intruder.node,
]);
export type WorldService = Static<typeof WorldService>;
export type ServiceKind = WorldService['kind'];
export const SERVICE_KINDS: readonly ServiceKind[] = KIND_LIST.map((k) => k.kind);

/** The config ONE process receives, by kind (see ../spawn-config.ts). */
export const SpawnConfig = Type.Union([
  client.spawn,
  service.spawn,
  processKind.spawn,
  gateway.spawn,
  queue.spawn,
  store.spawn,
  intruder.spawn,
]);
export type SpawnConfig = Static<typeof SpawnConfig>;

/** The node and config types of one kind. */
export type NodeOf<K extends ServiceKind> = Extract<WorldService, { kind: K }>;
export type ConfigOf<K extends ServiceKind> = NodeOf<K>['config'];
export type SpawnConfigOf<K extends ServiceKind> = Extract<SpawnConfig, { kind: K }>;
export type ConfigByKind = { [K in ServiceKind]: ConfigOf<K> };

/** A descriptor seen from code that handles every kind alike (configs as `unknown` shapes). */
export type AnyKind = KindDescriptor<ServiceKind, any, any, any>;

const BY_KIND = new Map<string, AnyKind>(KIND_LIST.map((k) => [k.kind, k as AnyKind]));

export function isKnownKind(kind: unknown): kind is ServiceKind {
  return typeof kind === 'string' && BY_KIND.has(kind);
}

/** The descriptor of a kind; throws on an unknown kind (validated worlds have none). */
export function kindOf(kind: ServiceKind | { kind: ServiceKind }): AnyKind {
  const name = typeof kind === 'string' ? kind : kind.kind;
  const descriptor = BY_KIND.get(name);
  if (!descriptor) throw new Error(`unknown node kind "${name}"`);
  return descriptor;
}

/** The problems of a kind's config (an object) sitting at `at`: its own check, or its schema's. */
export function checkConfig(
  descriptor: AnyKind,
  config: Record<string, unknown>,
  at: string,
  context: ConfigContext = {},
): Problem[] {
  return descriptor.checkConfig
    ? descriptor.checkConfig(config, at, context)
    : schemaProblems(descriptor.config, config, at, 'config');
}

/** A config with sensible values, so a node dropped on the canvas is ready to deploy. */
export function defaultConfig<K extends ServiceKind>(kind: K): ConfigOf<K> {
  return kindOf(kind).defaults() as ConfigOf<K>;
}

/** It listens (mutual TLS) and the controller probes it. */
export function servesOf(node: { kind: ServiceKind; config: unknown }): boolean {
  return kindOf(node).serves(node.config);
}

/** It makes traffic on its own, so it starts once the nodes it calls are ready. */
export function isTrafficSource(node: { kind: ServiceKind; config: unknown }): boolean {
  return kindOf(node).trafficSource(node.config);
}

/** How many copies of a node run: its `replicas` where its kind has them (default 1). */
export function replicasOf(node: WorldService): number {
  return 'replicas' in node ? (node.replicas ?? 1) : 1;
}

/** Its restart policy, where its kind has one. */
export function restartOf(node: WorldService): RestartPolicy | undefined {
  return 'restart' in node ? node.restart : undefined;
}

/** It gets a leaf of the world's CA in its own name (renewed and rotated with everyone's). */
export function isMember(node: { kind: ServiceKind }): boolean {
  return kindOf(node).facts.identity === 'member';
}

/** The credential a node that attacks with its own is issued ("own" for a member: its leaf). */
export function credentialOf(node: { kind: ServiceKind; config: unknown }): Credential {
  const descriptor = kindOf(node);
  return descriptor.facts.identity === 'credential' ? (descriptor.credential?.(node.config) ?? 'own') : 'own';
}

interface LinkLike {
  from: string;
  to: string;
  policy?: 'allow' | 'deny' | undefined;
}
interface WorldLike {
  services: readonly WorldService[];
  links: readonly LinkLike[];
}

/**
 * True when a link lets its caller in: an allow link (the default) from a node whose links are permissions.
 * An intruder's links are routes only: the callee admits no one over them.
 */
export function linkGrants(world: WorldLike, link: LinkLike): boolean {
  if (link.policy === 'deny') return false;
  const from = world.services.find((s) => s.id === link.from);
  return from !== undefined && kindOf(from).facts.linksGrant;
}

/** The ids of the nodes `id` admits (sorted, once each). */
export function admittedCallers(world: WorldLike, id: string): string[] {
  return [...new Set(world.links.filter((l) => l.to === id && linkGrants(world, l)).map((l) => l.from))].sort();
}

/** The nodes said to answer for `id` besides itself (impostors of it), sorted. */
export function answeringFor(world: WorldLike, id: string): string[] {
  return world.services
    .filter((s) => kindOf(s).answersFor?.(s.config) === id)
    .map((s) => s.id)
    .sort();
}

/**
 * Whether `caller` is told of the nodes that answer for its peers: members are (they may be fooled, and
 * refuse them); a node that attacks with a credential of its own is not.
 */
export function hearsOfImpostors(caller: WorldService): boolean {
  return isMember(caller);
}

/** It keeps data across restarts and redeploys: the deployer gives it a data directory (facts.durable). */
export function isDurable(node: { kind: ServiceKind }): boolean {
  return kindOf(node).facts.durable === true;
}

/** Its callers are told its kind (Peer.kind): they call it in its own way. */
export function namedToCallers(node: { kind: ServiceKind }): boolean {
  return kindOf(node).facts.namedToCallers === true;
}

/** What of a world runs the person's own code (handlers, commands): each node's id and what it runs. */
export function ownCodeOf(world: { services: readonly WorldService[] }): { id: string; what: string }[] {
  const found: { id: string; what: string }[] = [];
  for (const node of world.services) {
    const what = kindOf(node).runsCode?.(node.config);
    if (what !== undefined) found.push({ id: node.id, what });
  }
  return found;
}

/** The controller's environment variables a node's process gets besides its spawn config (facts.hostEnvironment). */
export function hostEnvironmentOf(node: { kind: ServiceKind }): readonly string[] {
  return kindOf(node).facts.hostEnvironment ?? [];
}

export { client, gateway, intruder, processKind, queue, service, store };
