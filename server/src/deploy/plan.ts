// Pure planning: what a deploy does, and the spawn config each process receives. No I/O here.
import {
  type DeployPlan,
  hopBudgetOf,
  type Identity,
  type SpawnConfig,
  spiffeId,
  type TelemetryTarget,
  type World,
} from '@dw/world';

/**
 * What a redeploy does to the processes that run. For now every deploy replaces the whole deployment (new
 * revision, new token, new identities): everything that ran stops, everything drawn starts. This is the one
 * place a diff-based plan (planDeploy from @dw/world: keep what did not change) slots in later.
 */
export function redeployPlan(previous: World | null, next: World): DeployPlan {
  return {
    start: next.services.map((s) => s.id).sort(),
    restart: [],
    stop: (previous?.services ?? []).map((s) => s.id).sort(),
    keep: [],
  };
}

export interface SpawnPlanInput {
  worldId: string;
  rev: number;
  world: World;
  /** Where services listen and are reached, e.g. 127.0.0.1. */
  host: string;
  ports: ReadonlyMap<string, number>;
  identities: ReadonlyMap<string, Identity>;
  telemetry: TelemetryTarget;
}

function required<T>(map: ReadonlyMap<string, T>, id: string, what: string): T {
  const value = map.get(id);
  if (value === undefined) throw new Error(`no ${what} for service "${id}"`);
  return value;
}

/** The spawn config of every service of the world: who it is, where it listens, whom it calls, who may call it. */
export function spawnConfigs(input: SpawnPlanInput): SpawnConfig[] {
  const { worldId, rev, world, host, ports, identities, telemetry } = input;
  const urlOf = (id: string) => `https://${host.includes(':') ? `[${host}]` : host}:${required(ports, id, 'port')}`;
  return world.services.map((service) => {
    const common = {
      worldId,
      serviceId: service.id,
      rev,
      listen: { host, port: required(ports, service.id, 'port') },
      identity: required(identities, service.id, 'identity'),
      peers: world.links
        .filter((l) => l.from === service.id)
        .map((l) => ({
          linkId: l.id,
          id: l.to,
          url: urlOf(l.to),
          ...(l.weight !== undefined ? { weight: l.weight } : {}),
        })),
      allowedCallers: [
        ...new Set(world.links.filter((l) => l.to === service.id).map((l) => spiffeId(worldId, l.from))),
      ].sort(),
      hopBudget: hopBudgetOf(world),
      telemetry,
    };
    return service.kind === 'client'
      ? { ...common, kind: 'client', behaviour: service.config }
      : { ...common, kind: 'service', behaviour: service.config };
  });
}
