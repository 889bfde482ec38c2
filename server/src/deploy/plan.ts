// Pure planning: what a deploy does, and the spawn config each process receives. No I/O here.
import {
  type DeployPlan,
  hopBudgetOf,
  type Identity,
  type IntruderIdentity,
  linkAllows,
  planDeploy,
  type SpawnConfig,
  spiffeId,
  type TelemetryTarget,
  type World,
} from '@dw/world';

/**
 * What a redeploy does to the processes that run: the diff of planDeploy (@dw/world). Services whose process
 * inputs did not change keep running (a moved box restarts nothing); a changed one restarts on its old port, so
 * its callers need no restart; added ones start, removed ones stop.
 */
export function redeployPlan(previous: World | null, next: World): DeployPlan {
  return planDeploy(previous, next);
}

export interface SpawnPlanInput {
  worldId: string;
  rev: number;
  world: World;
  /** Where services listen and are reached, e.g. 127.0.0.1. */
  host: string;
  ports: ReadonlyMap<string, number>;
  /** An Identity per client and service, an IntruderIdentity per intruder (issueIntruderIdentity). */
  identities: ReadonlyMap<string, Identity | IntruderIdentity>;
  telemetry: TelemetryTarget;
  /** Where a peer is reached when that is not `host:port` (compose: https://<id>:8443). */
  peerUrl?: (serviceId: string) => string;
}

function required<T>(map: ReadonlyMap<string, T>, id: string, what: string): T {
  const value = map.get(id);
  if (value === undefined) throw new Error(`no ${what} for service "${id}"`);
  return value;
}

/**
 * The spawn config of every service of the world: who it is, where it listens, whom it calls, who may call it.
 * A deny link is a route (its caller calls) but no permission (its callee's allowedCallers leave it out).
 */
export function spawnConfigs(input: SpawnPlanInput): SpawnConfig[] {
  const { worldId, rev, world, host, ports, identities, telemetry } = input;
  const urlOf =
    input.peerUrl ??
    ((id: string) => `https://${host.includes(':') ? `[${host}]` : host}:${required(ports, id, 'port')}`);
  const intruders = new Set(world.services.filter((s) => s.kind === 'intruder').map((s) => s.id));
  /** Impostors' addresses, by the service they impersonate: its callers are told it answers there too. */
  const impostorUrls = new Map<string, string[]>();
  for (const s of world.services) {
    if (s.kind !== 'intruder' || s.config.mode !== 'impostor' || s.config.impersonates === undefined) continue;
    const list = impostorUrls.get(s.config.impersonates) ?? [];
    list.push(urlOf(s.id));
    impostorUrls.set(s.config.impersonates, list);
  }
  return world.services.map((service): SpawnConfig => {
    const identity = required(identities, service.id, 'identity');
    const common = {
      worldId,
      serviceId: service.id,
      rev,
      listen: { host, port: required(ports, service.id, 'port') },
      peers: world.links
        .filter((l) => l.from === service.id)
        .map((l) => {
          const alsoAt = service.kind === 'intruder' ? undefined : impostorUrls.get(l.to);
          const weight = l.weight !== undefined ? { weight: l.weight } : {};
          return alsoAt
            ? { linkId: l.id, id: l.to, url: urlOf(l.to), alsoAt, ...weight }
            : { linkId: l.id, id: l.to, url: urlOf(l.to), ...weight };
        }),
      // An intruder's links are routes, never permissions.
      allowedCallers: [
        ...new Set(
          world.links
            .filter((l) => l.to === service.id && linkAllows(l) && !intruders.has(l.from))
            .map((l) => spiffeId(worldId, l.from)),
        ),
      ].sort(),
      hopBudget: hopBudgetOf(world),
      telemetry,
    };
    if (service.kind === 'intruder') return { ...common, identity, kind: 'intruder', behaviour: service.config };
    if (!('certFile' in identity) || identity.certFile === undefined || identity.keyFile === undefined) {
      throw new Error(`the identity of "${service.id}" has no certificate`);
    }
    const full = { ...identity, certFile: identity.certFile, keyFile: identity.keyFile };
    return service.kind === 'client'
      ? { ...common, identity: full, kind: 'client', behaviour: service.config }
      : { ...common, identity: full, kind: 'service', behaviour: service.config };
  });
}
