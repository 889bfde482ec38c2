// The Kubernetes export, checked offline: every manifest of the templates, the fixtures and generated worlds is
// validated against the Kubernetes API schemas (kubernetes-models, pinned); what each object holds; and the
// NetworkPolicies, rule by rule, through a small evaluator of their semantics (podSelector matchLabels, ports).
import { parseSpawnConfig } from '@dw/services';
import { EnrollConfig, EXAMPLE_WORLD, PkiConfig, validateWorld, type World, type WorldService } from '@dw/world';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { Service } from 'kubernetes-models/v1/Service';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
// The editor's templates are plain worlds; the server has no other copy of them.
import { TEMPLATES } from '../../../web/src/worlds/templates.js';
import { randomWorld } from '../testing/world-generator.js';
import { MESH_WORLD, PAIR_WORLD } from '../testing/worlds.js';
import {
  ENROLL_PORT,
  KubernetesExportError,
  type KubernetesObject,
  kubernetesForWorld,
  kubernetesYaml,
  networkPolicies,
  ROLE_LABEL,
  SERVICE_LABEL,
} from './kubernetes-export.js';

const MODELS = { Namespace, Secret, PersistentVolumeClaim, Deployment, Service, NetworkPolicy } as const;

/** Validates one object against its kind's schema; throws with the schema's message when it does not hold. */
function validate(object: { kind?: string }): void {
  const Model = MODELS[object.kind as keyof typeof MODELS];
  if (!Model) throw new Error(`no model for kind ${object.kind}`);
  new Model(object as never).validate();
}

/** What the schemas do not check: names. A Service is a DNS-1035 label, other names DNS-1123 subdomains. */
function nameProblems(objects: KubernetesObject[]): string[] {
  const label1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
  const subdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
  const problems: string[] = [];
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    const ok =
      o.kind === 'Service' || o.kind === 'Namespace'
        ? label1035.test(name) || (o.kind === 'Namespace' && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name))
        : subdomain.test(name);
    if (!ok) problems.push(`${o.kind} "${name}"`);
    for (const value of Object.values(o.metadata?.labels ?? {})) {
      if (!labelValue.test(value)) problems.push(`${o.kind} "${name}" label value "${value}"`);
    }
  }
  return problems;
}

const GATEWAY_WORLD = {
  ...EXAMPLE_WORLD,
  services: [
    ...EXAMPLE_WORLD.services,
    { id: 'door', kind: 'gateway', position: { x: 0, y: 200 }, config: { publishPort: 8088 } },
  ],
  links: [...EXAMPLE_WORLD.links, { id: 'gd', from: 'door', to: 'orders' }],
} as World;

const REPLICATED_WORLD = {
  ...MESH_WORLD,
  services: MESH_WORLD.services.map((s) => (s.id === 'orders' ? { ...s, replicas: 3 } : s)),
} as World;

const FIXTURES: [string, World][] = [
  ...TEMPLATES.map((t): [string, World] => [`template ${t.key}`, t.world]),
  ['example', EXAMPLE_WORLD],
  ['mesh', MESH_WORLD],
  ['pair', PAIR_WORLD],
  ['gateway', GATEWAY_WORLD],
  ['replicated', REPLICATED_WORLD],
  ['empty', { version: 1, name: 'empty', services: [], links: [] }],
];
/** Generated worlds: up to a dozen nodes, clients and services, random links. */
const GENERATED: [string, World][] = Array.from({ length: 24 }, (_, i) => [`generated #${i + 1}`, randomWorld(i + 1)]);

const input = (world: World) => ({ worldId: 'shop-abc123', rev: 4, world });

describe('Kubernetes manifests validate against the API schemas (kubernetes-models, offline)', () => {
  it.each([...FIXTURES, ...GENERATED])('%s', (_name, world) => {
    expect(validateWorld(world).ok).toBe(true);
    for (const options of [{}, { observer: false, namespace: 'shop', storageClassName: 'standard' }]) {
      const { objects } = kubernetesForWorld(input(world), options);
      for (const object of objects)
        expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
      expect(nameProblems(objects)).toEqual([]);
      // What kubectl reads is the YAML: the same objects, every one of them valid.
      const docs = parseAllDocuments(
        kubernetesYaml(input(world), {
          ...options,
          token: 't'.repeat(32),
          observerToken: 'o'.repeat(32),
          bootstrapToken: (id) => `b-${id}-`.padEnd(40, 'x'),
        }),
      );
      expect(docs.every((d) => d.errors.length === 0)).toBe(true);
      const parsed = docs.map((d) => d.toJS() as KubernetesObject);
      expect(parsed.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(
        objects.map((o) => `${o.kind}/${o.metadata?.name}`),
      );
      for (const object of parsed) validate(object);
    }
  });

  it('the validation can fail: a wrong type or a missing required field is refused', () => {
    const { objects } = kubernetesForWorld(input(MESH_WORLD));
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')) as IDeployment;
    (deployment.spec as unknown as { replicas: string }).replicas = 'three';
    expect(() => validate(deployment)).toThrow(/replicas/);
    const service = structuredClone(objects.find((o) => o.kind === 'Service')) as IService;
    (service.spec?.ports?.[0] as unknown as { port: unknown }).port = undefined;
    expect(() => validate(service)).toThrow(/port/);
    const policy = structuredClone(objects.find((o) => o.kind === 'NetworkPolicy')) as INetworkPolicy;
    (policy.spec as unknown as { podSelector: unknown }).podSelector = 'everyone';
    expect(() => validate(policy)).toThrow(/podSelector/);
  });
});

const ofKind = <K extends KubernetesObject['kind']>(objects: KubernetesObject[], kind: K) =>
  objects.filter((o): o is Extract<KubernetesObject, { kind: K }> => o.kind === kind);
const named = <T extends KubernetesObject>(objects: T[], name: string) => {
  const found = objects.find((o) => o.metadata?.name === name);
  if (!found) throw new Error(`no ${name} among ${objects.map((o) => o.metadata?.name).join(', ')}`);
  return found;
};
const envOf = (deployment: IDeployment, container = 0) =>
  Object.fromEntries(
    (deployment.spec?.template.spec?.containers[container]?.env ?? []).map((e) => [
      e.name,
      (e.value ?? '').replaceAll('$$', '$'),
    ]),
  );

describe('what the manifests hold', () => {
  const world = REPLICATED_WORLD;
  const exported = kubernetesForWorld(input(world));
  const { objects } = exported;
  const deployments = ofKind(objects, 'Deployment');
  const services = ofKind(objects, 'Service');

  it('a Deployment and a Service per world service, with its replicas, all in the world namespace', () => {
    expect(exported.namespace).toBe('dw-shop-abc123');
    expect(objects.every((o) => o.kind === 'Namespace' || o.metadata?.namespace === 'dw-shop-abc123')).toBe(true);
    for (const node of world.services) {
      const d = named(deployments, node.id);
      expect(d.spec?.replicas).toBe(node.id === 'orders' ? 3 : 1);
      expect(d.spec?.selector.matchLabels).toEqual({ [SERVICE_LABEL]: node.id });
      expect(d.spec?.template.metadata?.labels).toMatchObject({ [SERVICE_LABEL]: node.id, [ROLE_LABEL]: 'member' });
      const s = named(services, node.id);
      expect(s.spec?.selector).toEqual({ [SERVICE_LABEL]: node.id });
      expect(s.spec?.ports).toEqual([{ name: 'mtls', port: 8443, targetPort: 'mtls', protocol: 'TCP' }]);
    }
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual(
      [...world.services.map((s) => s.id), 'dw-observer', 'dw-pki'].sort(),
    );
  });

  it('every container has readiness and liveness probes and resource requests; pods run unprivileged', () => {
    for (const d of deployments) {
      const pod = d.spec?.template.spec;
      expect(pod?.automountServiceAccountToken).toBe(false);
      expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      for (const c of pod?.containers ?? []) {
        expect(c.readinessProbe, `${d.metadata?.name}/${c.name}`).toBeDefined();
        expect(c.livenessProbe, `${d.metadata?.name}/${c.name}`).toBeDefined();
        expect(c.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      }
      for (const c of pod?.initContainers ?? []) expect(c.resources?.requests).toBeDefined();
    }
  });

  it('holds no private key: the issuer keeps the CA on its claim, each pod enrolls with its own token only', () => {
    const text = kubernetesYaml(input(world));
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
    const pki = named(deployments, 'dw-pki');
    const pkiConfig = JSON.parse(envOf(pki).DW_PKI_CONFIG as string);
    expect(Value.Check(PkiConfig, pkiConfig)).toBe(true);
    expect(pkiConfig).toMatchObject({
      worldId: 'shop-abc123',
      enrollment: { port: ENROLL_PORT, tokensDir: '/bootstrap' },
    });
    expect(pkiConfig.issuedDir).toBeUndefined(); // nothing to write into: pods share no volume with it
    expect(pki.spec?.strategy?.type).toBe('Recreate');
    expect(
      pki.spec?.template.spec?.volumes?.map((v) => v.persistentVolumeClaim?.claimName ?? v.secret?.secretName),
    ).toEqual(['dw-ca', 'dw-bootstrap']);
    const secret = named(ofKind(objects, 'Secret'), 'dw-bootstrap');
    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual(world.services.map((s) => s.id).sort());
    expect(new Set(Object.values(secret.stringData ?? {})).size).toBe(world.services.length); // one each
    for (const node of world.services) {
      const pod = named(deployments, node.id).spec?.template.spec;
      const bootstrap = pod?.volumes?.find((v) => v.name === 'bootstrap');
      expect(bootstrap?.secret?.items).toEqual([{ key: node.id, path: 'token' }]); // its own token, no other
      expect(pod?.volumes?.find((v) => v.name === 'identity')?.emptyDir?.medium).toBe('Memory');
      const init = pod?.initContainers?.[0];
      const enroll = JSON.parse((init?.env?.[0]?.value ?? '').replaceAll('$$', '$'));
      expect(Value.Check(EnrollConfig, enroll)).toBe(true);
      expect(enroll).toMatchObject({ serviceId: node.id, url: 'https://dw-pki:8445/enroll', serverName: 'dw-pki' });
      // The service container mounts the identity only: the token stays with the init container.
      expect(pod?.containers[0]?.volumeMounts).toEqual([{ name: 'identity', mountPath: '/identity' }]);
      const parsed = parseSpawnConfig(envOf(named(deployments, node.id)).DW_SPAWN_CONFIG);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (parsed.ok) {
        expect(parsed.config.renewal).toMatchObject({ url: 'https://dw-pki:8444/renew', serverName: 'dw-pki' });
        expect(parsed.config.peers.every((p) => p.url === `https://${p.id}:8443`)).toBe(true);
      }
    }
  });

  it('a queue and a store keep their data on a claim of their own, mounted where their spawn config says', () => {
    const shop = TEMPLATES.find((t) => t.key === 'order-queue')?.world as World;
    const all = kubernetesForWorld(input(shop)).objects;
    const claims = ofKind(all, 'PersistentVolumeClaim').map((c) => c.metadata?.name);
    expect(claims.sort()).toEqual(['data-db', 'data-orders', 'dw-ca']);
    for (const id of ['orders', 'db']) {
      const d = named(ofKind(all, 'Deployment'), id);
      const parsed = parseSpawnConfig(envOf(d).DW_SPAWN_CONFIG);
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      const pod = d.spec?.template.spec;
      const mount = pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'data');
      expect(mount?.mountPath, id).toBe((parsed.config as { dataDir?: string }).dataDir);
      expect(pod?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-${id}`);
      expect(d.spec?.strategy?.type, id).toBe('Recreate'); // one pod at a time holds a ReadWriteOnce claim
    }
    const worker = named(ofKind(all, 'Deployment'), 'worker');
    expect(worker.spec?.template.spec?.volumes?.some((v) => v.name === 'data')).toBe(false);
  });

  it('the observer: its URL through kubectl port-forward, and no observer when asked', () => {
    expect(exported.observer?.portForward).toBe('kubectl -n dw-shop-abc123 port-forward service/dw-observer 4401:4400');
    expect(exported.observer?.url).toMatch(/^http:\/\/127\.0\.0\.1:4401\/\?world=shop-abc123#token=[\w-]{16,}$/);
    const env = envOf(named(deployments, 'dw-observer'));
    expect(env.DW_TOKEN).toBe(exported.observer?.url.split('#token=')[1]);
    expect(env.DW_TELEMETRY_HOSTS).toBe('dw-observer');
    const without = kubernetesForWorld(input(world), { observer: false });
    expect(without.observer).toBeNull();
    expect(without.objects.some((o) => o.metadata?.name === 'dw-observer')).toBe(false);
  });

  it('escapes $ in env values as $$, which Kubernetes reads back as $', () => {
    const odd = { ...PAIR_WORLD, name: 'costs $(HOME) and $5' };
    const observer = named(ofKind(kubernetesForWorld(input(odd)).objects, 'Deployment'), 'dw-observer');
    const raw = observer.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'DW_OBSERVE')?.value ?? '';
    expect(raw).toContain('costs $$(HOME) and $$5');
    expect(JSON.parse(raw.replaceAll('$$', '$')).world.name).toBe('costs $(HOME) and $5');
  });

  it('refuses what Kubernetes cannot name, saying where: an id that starts with a digit, a bad namespace', () => {
    const digits = {
      ...PAIR_WORLD,
      services: PAIR_WORLD.services.map((s) => (s.id === 'callee' ? { ...s, id: '2fa' } : s)),
      links: [{ id: 'l1', from: 'caller', to: '2fa' }],
    } as World;
    expect(validateWorld(digits).ok).toBe(true); // a valid world, a DNS label: but not a Service name
    let error: unknown;
    try {
      kubernetesForWorld(input(digits), { namespace: 'Not_A_Label' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KubernetesExportError);
    expect((error as KubernetesExportError).problems).toEqual([
      { pointer: '/services/1/id', message: expect.stringMatching(/"2fa" must start with a letter/) },
      { pointer: '', message: expect.stringMatching(/namespace "Not_A_Label"/) },
    ]);
  });
});

// NetworkPolicy semantics, for what the export writes (matchLabels podSelectors, TCP ports): a pod that some
// policy selects admits only what one of those policies' ingress rules allows; a pod no policy selects admits all.
type Pod = Record<string, string>;
const matches = (selector: { matchLabels?: Record<string, string> } | undefined, pod: Pod) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => pod[k] === v);
function admits(policies: INetworkPolicy[], from: Pod, to: Pod, port: number): boolean {
  const selecting = policies.filter(
    (p) => p.spec?.policyTypes?.includes('Ingress') && matches(p.spec?.podSelector, to),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec?.ingress ?? []).some(
      (rule) =>
        (rule.from ?? []).some((peer) => peer.podSelector !== undefined && matches(peer.podSelector, from)) &&
        (rule.ports ?? []).some((p) => p.port === port && p.protocol === 'TCP'),
    ),
  );
}
const member = (id: string): Pod => ({ [SERVICE_LABEL]: id, [ROLE_LABEL]: 'member' });
const node = (id: string, kind: 'client' | 'service' | 'gateway' = 'service'): WorldService =>
  ({ id, kind, position: { x: 0, y: 0 }, config: kind === 'client' ? { rps: 1 } : {} }) as WorldService;
const policiesOf = (world: World, observer: string | null = 'dw-observer') => {
  expect(validateWorld(world).ok).toBe(true);
  return networkPolicies(world, 'ns', { pki: 'dw-pki', observer });
};
/** Who a callee's policy lets in, as the ids of the callers its rules name. */
const callersIn = (policies: INetworkPolicy[], callee: string) =>
  policies
    .filter((p) => p.metadata?.name === `callers-of-${callee}`)
    .flatMap((p) => p.spec?.ingress ?? [])
    .flatMap((r) => r.from ?? [])
    .map((peer) => peer.podSelector?.matchLabels?.[SERVICE_LABEL]);

describe('NetworkPolicies: the links, enforced by the cluster', () => {
  it('deny by default: one policy selects every pod of the namespace and admits nothing', () => {
    const [deny] = policiesOf({ version: 1, name: 'w', services: [node('a')], links: [] });
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(admits([deny as INetworkPolicy], member('x'), member('a'), 8443)).toBe(false);
  });

  it('a link becomes exactly one allowed caller, on the mTLS port only', () => {
    const policies = policiesOf({
      version: 1,
      name: 'w',
      services: [node('shopper', 'client'), node('orders')],
      links: [{ id: 'l1', from: 'shopper', to: 'orders' }],
    });
    expect(callersIn(policies, 'orders')).toEqual(['shopper']);
    expect(admits(policies, member('shopper'), member('orders'), 8443)).toBe(true);
    expect(admits(policies, member('shopper'), member('orders'), 8444)).toBe(false);
    expect(admits(policies, member('orders'), member('shopper'), 8443)).toBe(false); // a link is one way
  });

  it('two links from one caller (a route each way round a cycle) still make one caller each', () => {
    const policies = policiesOf({
      version: 1,
      name: 'w',
      services: [node('a'), node('b')],
      links: [
        { id: 'l1', from: 'a', to: 'b' },
        { id: 'l2', from: 'b', to: 'a' },
      ],
    });
    expect(callersIn(policies, 'b')).toEqual(['a']);
    expect(callersIn(policies, 'a')).toEqual(['b']);
  });

  it('a deny link is not allowed: the callee admits nobody over it', () => {
    const policies = policiesOf({
      version: 1,
      name: 'w',
      services: [node('shopper', 'client'), node('orders'), node('vault')],
      links: [
        { id: 'l1', from: 'shopper', to: 'orders' },
        { id: 'l2', from: 'orders', to: 'vault', policy: 'deny' },
      ],
    });
    expect(callersIn(policies, 'vault')).toEqual([]);
    expect(named(policies, 'callers-of-vault').spec?.ingress).toEqual([]);
    expect(admits(policies, member('orders'), member('vault'), 8443)).toBe(false);
  });

  it('an intruder is not allowed: it is left out, and its link admits nobody', () => {
    const world = {
      version: 1,
      name: 'w',
      services: [
        node('shopper', 'client'),
        node('orders'),
        { id: 'stranger', kind: 'intruder', position: { x: 0, y: 0 }, config: { mode: 'unlinked' } },
      ],
      links: [
        { id: 'l1', from: 'shopper', to: 'orders' },
        { id: 'l2', from: 'stranger', to: 'orders' },
      ],
    } as World;
    expect(callersIn(policiesOf(world), 'orders')).toEqual(['shopper']);
    const { objects, leftOut } = kubernetesForWorld(input(world));
    expect(leftOut.map((l) => l.id)).toEqual(['stranger']);
    expect(objects.some((o) => o.metadata?.name === 'stranger')).toBe(false);
    const policies = ofKind(objects, 'NetworkPolicy');
    expect(admits(policies, member('stranger'), member('orders'), 8443)).toBe(false);
  });

  it('a process node is left out, and said why (its program beside a sidecar is compose only, for now)', () => {
    const world = {
      version: 1,
      name: 'w',
      services: [
        node('shopper', 'client'),
        node('orders'),
        { id: 'api', kind: 'process', position: { x: 0, y: 0 }, config: { command: 'x', image: 'example/api:1' } },
      ],
      links: [
        { id: 'l1', from: 'shopper', to: 'orders' },
        { id: 'l2', from: 'orders', to: 'api' },
      ],
    } as World;
    const { objects, leftOut } = kubernetesForWorld(input(world));
    expect(leftOut).toEqual([
      { id: 'api', why: "this engine cannot run a process node's program beside its sidecar (compose can)" },
    ]);
    expect(objects.some((o) => o.metadata?.name === 'api')).toBe(false);
  });

  it('an unlinked service is not allowed, and neither is a pod from outside the world', () => {
    const policies = policiesOf({
      version: 1,
      name: 'w',
      services: [node('shopper', 'client'), node('orders'), node('payments'), node('inventory')],
      links: [
        { id: 'l1', from: 'shopper', to: 'orders' },
        { id: 'l2', from: 'orders', to: 'payments' },
        { id: 'l3', from: 'orders', to: 'inventory' },
      ],
    });
    expect(admits(policies, member('payments'), member('inventory'), 8443)).toBe(false);
    expect(admits(policies, member('shopper'), member('payments'), 8443)).toBe(false); // two hops away
    expect(admits(policies, { app: 'elsewhere' }, member('orders'), 8443)).toBe(false);
    expect(callersIn(policies, 'payments')).toEqual(['orders']);
  });

  it('clients and gateways admit nobody in the cluster (a gateway is reached with port-forward)', () => {
    const policies = policiesOf(GATEWAY_WORLD);
    for (const id of ['shopper', 'door']) {
      expect(policies.some((p) => p.metadata?.name === `callers-of-${id}`)).toBe(false);
      expect(admits(policies, member('orders'), member(id), 8443)).toBe(false);
    }
    expect(admits(policies, member('door'), member('orders'), 8443)).toBe(true);
  });

  it('dw-pki admits the world pods on renewal and enrollment; the observer on telemetry; nothing else', () => {
    const policies = policiesOf(MESH_WORLD);
    const pki = { [SERVICE_LABEL]: 'dw-pki', [ROLE_LABEL]: 'issuer' };
    const observer = { [SERVICE_LABEL]: 'dw-observer', [ROLE_LABEL]: 'observer' };
    expect(admits(policies, member('orders'), pki, 8444)).toBe(true);
    expect(admits(policies, member('orders'), pki, 8445)).toBe(true);
    expect(admits(policies, member('orders'), pki, 8443)).toBe(false);
    expect(admits(policies, { app: 'elsewhere' }, pki, 8445)).toBe(false);
    expect(admits(policies, member('orders'), observer, 4400)).toBe(true);
    expect(admits(policies, { app: 'elsewhere' }, observer, 4400)).toBe(false);
    expect(admits(policies, observer, member('orders'), 8443)).toBe(false);
    expect(policiesOf(MESH_WORLD, null).some((p) => p.metadata?.name === 'members-to-dw-observer')).toBe(false);
  });
});
