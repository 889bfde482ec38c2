// Pure planning: what a deploy does, and the spawn config each process receives. No I/O here.
// What a deploy does to what runs is deployDecision (@dw/world reconcile.ts): one plan for the preview and the
// deploy.
import {
  admittedCallers,
  answeringFor,
  type CredentialIdentity,
  hearsOfImpostors,
  hopBudgetOf,
  type Identity,
  isDurable,
  isMember,
  namedToCallers,
  type SpawnConfig,
  spiffeId,
  type TelemetryTarget,
  type World,
} from '@dw/world';

export interface SpawnPlanInput {
  worldId: string;
  rev: number;
  world: World;
  /** Where services listen and are reached, e.g. 127.0.0.1. */
  host: string;
  /**
   * Where each service listens: one port, or one per copy (a process is planned per port, replica i+1 on the
   * i-th; compose gives one port and lets Docker run the copies).
   */
  ports: ReadonlyMap<string, number | readonly number[]>;
  /** An Identity per member of the world, a CredentialIdentity per node that attacks with its own (an intruder). */
  identities: ReadonlyMap<string, Identity | CredentialIdentity>;
  telemetry: TelemetryTarget;
  /** Where a peer is reached when that is not at its ports on `host` (compose: https://<id>:8443). */
  peerUrl?: (serviceId: string) => string;
  /**
   * Where a node of a durable kind (facts.durable) keeps its data (<data>/worlds-data/<world>/<node> locally,
   * its volume in compose). Required when the world has one.
   */
  dataDirOf?: (serviceId: string) => string;
}

function required<T>(map: ReadonlyMap<string, T>, id: string, what: string): T {
  const value = map.get(id);
  if (value === undefined) throw new Error(`no ${what} for service "${id}"`);
  return value;
}

function portList(ports: ReadonlyMap<string, number | readonly number[]>, id: string): readonly number[] {
  const value = required(ports, id, 'port');
  return typeof value === 'number' ? [value] : value;
}

/**
 * The spawn config of every process of the world: who it is, where it listens, whom it calls, who may call it.
 * A deny link is a route (its caller calls) but no permission (its callee's allowedCallers leave it out). A
 * service given several ports runs as that many copies: one config each, the same identity, and its callers
 * reach it at every copy (`url`, then `alsoAt`).
 */
export function spawnConfigs(input: SpawnPlanInput): SpawnConfig[] {
  const { worldId, rev, world, host, ports, identities, telemetry } = input;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const urlsOf = (id: string): string[] =>
    input.peerUrl ? [input.peerUrl(id)] : portList(ports, id).map((port) => `https://${hostPart}:${port}`);
  const urlOf = (id: string) => urlsOf(id)[0] as string;
  const configOf = (service: World['services'][number], port: number, replica: number | undefined): SpawnConfig => {
    const identity = required(identities, service.id, 'identity');
    if (isMember(service) && (identity.certFile === undefined || identity.keyFile === undefined)) {
      throw new Error(`the identity of "${service.id}" has no certificate`);
    }
    const hears = hearsOfImpostors(service);
    const kindOfPeer = (id: string) => {
      const callee = world.services.find((s) => s.id === id);
      return callee && namedToCallers(callee) ? { kind: callee.kind } : {};
    };
    let dataDir: { dataDir?: string } = {};
    if (isDurable(service)) {
      if (!input.dataDirOf) throw new Error(`no data directory for "${service.id}" (a ${service.kind} keeps data)`);
      dataDir = { dataDir: input.dataDirOf(service.id) };
    }
    return {
      worldId,
      serviceId: service.id,
      ...(replica !== undefined ? { replica } : {}),
      rev,
      listen: { host, port },
      peers: world.links
        .filter((l) => l.from === service.id)
        .map((l) => {
          // Every copy of the peer; and, to a member, the nodes said to answer for it too (impostors).
          const [url, ...copies] = urlsOf(l.to);
          const alsoAt = [...copies, ...(hears ? answeringFor(world, l.to).map(urlOf) : [])];
          const weight = l.weight !== undefined ? { weight: l.weight } : {};
          return alsoAt.length > 0
            ? { linkId: l.id, id: l.to, url: url as string, alsoAt, ...weight, ...kindOfPeer(l.to) }
            : { linkId: l.id, id: l.to, url: url as string, ...weight, ...kindOfPeer(l.to) };
        }),
      // Only links that grant (allow links of members) admit a caller.
      allowedCallers: admittedCallers(world, service.id).map((id) => spiffeId(worldId, id)),
      hopBudget: hopBudgetOf(world),
      telemetry,
      identity,
      kind: service.kind,
      behaviour: service.config,
      ...dataDir,
    } as SpawnConfig;
  };
  return world.services.flatMap((service) => {
    const list = portList(ports, service.id);
    return list.map((port, i) => configOf(service, port, list.length > 1 ? i + 1 : undefined));
  });
}
