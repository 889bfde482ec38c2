// A world as a Docker Swarm stack file (`docker stack deploy -c stack.yaml --resolve-image never <stack>`): the
// compose export's services, identities and observer, rewritten for what swarm runs. Pure: no I/O.
// - `version: "3.8"`: the stack loader of Docker 20.10 refuses a file without one.
// - No `build` (stack deploy ignores it): build the image first (`docker-compose build`, or `docker build`) on
//   every node, or push it to a registry the nodes reach.
// - `deploy`: replicas as swarm replicas; `endpoint_mode: dnsrr`, so a service's name resolves to its tasks'
//   addresses (as compose's embedded DNS does) rather than to a virtual IP, which needs IPVS in the kernel;
//   the world's restart policy as `restart_policy` (swarm ignores `restart`).
// - No `depends_on` (swarm ignores it): each world service waits in its command (as in compose) until dw-pki has
//   written a valid leaf into its identity volume; callers retry until their callees answer.
// - Healthchecks with room for a slow start: swarm replaces a task that turns unhealthy, and a name resolves to
//   a task only once it is healthy.
// - Published ports (the observer, a gateway's door) use `mode: host`: the routing mesh needs a virtual IP, and
//   dnsrr has none. Swarm cannot bind a published port to one address (moby/moby#26696): they listen on every
//   interface of the node that runs the task, guarded by the observer's token (a gateway's door by nothing).
// - One overlay network per stack. Volumes are local to each node: the identity volumes that dw-pki fills and
//   the services mount must be on the same node (true on one node; on several, pin them with placement). A queue's
//   or a store's data volume (data-<id>, from the compose export) is local to the node that runs it, likewise.

import { restartOf as nodeRestart, replicasOf as replicaCountOf, type World } from '@dw/world';
import { stringify } from 'yaml';
import { type ComposeExportInput, type ComposeExportOptions, composeForWorld } from './compose-export.js';

export const STACK_FILE_VERSION = '3.8';

/** Failures in the first minute do not count; then 20 in a row (a minute) make a task unhealthy. */
const SWARM_HEALTH = { interval: '3s', timeout: '20s', retries: 20, start_period: '60s' };

export type SwarmExportOptions = Omit<ComposeExportOptions, 'buildContext' | 'baseImage'>;

type Service = Record<string, unknown>;

/** Swarm's restart condition for the world's policy (compose's names); without one, always restarted. */
function restartCondition(policy: string | undefined): 'none' | 'on-failure' | 'any' {
  return policy === 'no' ? 'none' : policy === 'on-failure' ? 'on-failure' : 'any';
}

/** "127.0.0.1:4401:4400" -> the long form in host mode (swarm has no host address for a published port). */
function hostModePort(short: string) {
  const [, published, target] = /^(?:[^:]+:)?(\d+):(\d+)$/.exec(short) ?? [];
  if (!published || !target) throw new Error(`unexpected port mapping "${short}"`);
  return { target: Number(target), published: Number(published), protocol: 'tcp', mode: 'host' };
}

export function swarmForWorld(input: ComposeExportInput, options: SwarmExportOptions = {}): Record<string, unknown> {
  const compose = composeForWorld(input, { ...options, buildContext: null, programs: false }) as {
    'x-distributed-world': Record<string, unknown>;
    services: Record<string, Service>;
    volumes: Record<string, null>;
  };
  const byId = new Map<string, World['services'][number]>(input.world.services.map((s) => [s.id, s]));
  const services: Record<string, Service> = {};
  for (const [name, service] of Object.entries(compose.services)) {
    const { depends_on: _order, restart, deploy: _deploy, ports, healthcheck, ...rest } = service;
    const node = byId.get(name);
    const replicas = node ? replicaCountOf(node) : 1;
    services[name] = {
      ...rest,
      healthcheck: { ...(healthcheck as object), ...SWARM_HEALTH },
      ...(Array.isArray(ports) ? { ports: ports.map((p) => hostModePort(String(p))) } : {}),
      deploy: {
        replicas,
        endpoint_mode: 'dnsrr',
        restart_policy: {
          condition: restartCondition(node ? nodeRestart(node) : (restart as string | undefined)),
          delay: '1s',
        },
      },
      networks: ['world'],
    };
  }
  return {
    version: STACK_FILE_VERSION,
    'x-distributed-world': { ...compose['x-distributed-world'], engine: 'swarm' },
    services,
    networks: { world: { driver: 'overlay' } },
    volumes: compose.volumes,
  };
}

const HEADER = [
  '# Distributed World on Docker Swarm: one swarm service per world service, mutual TLS between them.',
  '# Build the image first (npm run build, then docker-compose build from the compose export, or docker build),',
  '# then: docker stack deploy -c stack.yaml --resolve-image never <stack>; remove with docker stack rm <stack>',
  '# and then docker volume rm the <stack>_* volumes (stack rm leaves volumes).',
  '# No private key is in this file: dw-pki creates the CA and the first leaves in volumes.',
  '# The observer is published in host mode on every interface of its node (swarm binds no single address):',
  '# open x-distributed-world.observer on that node; its token guards it.',
  '',
].join('\n');

export function swarmYaml(input: ComposeExportInput, options: SwarmExportOptions = {}): string {
  return (
    HEADER + stringify(swarmForWorld(input, options), { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })
  );
}
