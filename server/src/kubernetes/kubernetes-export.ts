// A world as Kubernetes manifests: one multi-document YAML that `kubectl apply -f` takes. Pure: no I/O.
// - A Namespace of its own (default dw-<world id>), so that its deny-by-default policy touches nothing else.
// - Per world service: a Deployment (its replicas; the image and spawn config of the compose export; readiness
//   and liveness probes on its mTLS port; resource requests and a memory limit) and a ClusterIP Service of the
//   same name, which is the name its callers dial and the DNS name in its certificate.
// - Identities: the dw-pki Deployment keeps the world CA on a PersistentVolumeClaim, serves renewals over mTLS
//   (8444) as in compose, and first leaves (8445, POST /enroll) to the pods that prove they hold their
//   service's bootstrap token: an init container makes the key pair in the pod's memory-backed emptyDir and
//   enrolls. The tokens are in a generated Secret, each pod mounting only its own; no private key is in the
//   manifests, and none leaves the pod that made it.
// - NetworkPolicies: ingress is denied to every pod of the namespace, then each callee admits exactly the pods of
//   its linked callers (allow links from members) on its mTLS port; dw-pki admits the world's pods on its two
//   ports, the observer admits them on its telemetry port. So the cluster enforces the links as well as mTLS.
// - A node that keeps data (a queue, a store) gets a PersistentVolumeClaim of its own (data-<id>) mounted at /data,
//   and a Recreate strategy (one pod holds the claim; such a node runs once).
// - The observer (the controller in observe mode) as in compose, reached with `kubectl port-forward`.
import { randomBytes } from 'node:crypto';
import {
  admittedCallers,
  ENROLL_CONFIG_ENV,
  type EnrollConfig,
  kindOf,
  PKI_CONFIG_ENV,
  type PkiConfig,
  type Problem,
  replicasOf,
  restartOf,
  SPAWN_CONFIG_ENV,
  type World,
} from '@dw/world';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { stringify } from 'yaml';
import {
  APP_DIR,
  COMPOSE_SERVICE_PORT,
  type ComposeExportInput,
  type ContainerPlan,
  containerPlan,
  DATA_DIR,
  DEFAULT_IMAGE,
  dataVolumeOf,
  IDENTITY_DIR,
  ISSUER_PORT,
  OBSERVER_HOST_PORT,
  OBSERVER_PORT,
  observerEnvironment,
} from '../compose/compose-export.js';

/** Where dw-pki serves first leaves (POST /enroll, TLS without a client certificate). */
export const ENROLL_PORT = 8445;
export const BOOTSTRAP_SECRET = 'dw-bootstrap';
export const CA_CLAIM = 'dw-ca';
const TOKEN_DIR = '/bootstrap';
const CA_DIR = '/pki/ca';

/** Labels: what selects a world service's pods, and what every pod of the world carries. */
export const SERVICE_LABEL = 'distributed-world/service';
export const ROLE_LABEL = 'distributed-world/role';
export const PART_OF = { 'app.kubernetes.io/part-of': 'distributed-world' } as const;
export type Role = 'member' | 'issuer' | 'observer';

export interface KubernetesExportOptions {
  /** The namespace everything goes in (created by the manifests); default dw-<world id>. */
  namespace?: string;
  /** The image every container runs (built from this repository's Dockerfile, pushed or loaded into the cluster). */
  image?: string;
  /** Include the observer (default true). */
  observer?: boolean;
  /** The local port `kubectl port-forward` maps to the observer, for the URL it prints (default 4401). */
  observerPort?: number;
  /** The storage class of the CA's claim; the cluster's default when absent. */
  storageClassName?: string;
  /** Secrets, random when not given (tests pass fixed ones). */
  token?: string;
  observerToken?: string;
  bootstrapToken?: (serviceId: string) => string;
}

/** Everything the manifests hold, in the order `kubectl apply` creates them. */
export type KubernetesObject = INamespace | ISecret | IPersistentVolumeClaim | IDeployment | IService | INetworkPolicy;

/** A world Kubernetes cannot take as it is: every problem at once, with a pointer into the world. */
export class KubernetesExportError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `this world cannot be exported to Kubernetes:\n${problems.map((p) => `  ${p.pointer}: ${p.message}`).join('\n')}`,
    );
  }
}

/** A Service name is an RFC 1035 label: it starts with a letter (a world id may start with a digit). */
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Kubernetes escapes `$(VAR)` in env values and args as `$$(VAR)`; `$$` is a literal `$`. */
const literal = (value: string) => value.replaceAll('$', '$$$$');

const MEMBER_RESOURCES: IResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { memory: '256Mi' },
};
const ISSUER_RESOURCES: IResourceRequirements = {
  requests: { cpu: '20m', memory: '48Mi' },
  limits: { memory: '128Mi' },
};
const INIT_RESOURCES: IResourceRequirements = { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '128Mi' } };
const OBSERVER_RESOURCES: IResourceRequirements = {
  requests: { cpu: '100m', memory: '96Mi' },
  limits: { memory: '512Mi' },
};

/** The claim of a node that keeps data (a queue's messages, a store's keys). */
export const DATA_STORAGE = '256Mi';

/** Every container: no privilege, no capability (the image's node needs none: every port is above 1024). */
const CONTAINER_SECURITY: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** Every pod: not root, the default seccomp profile, no service account token, no service-link variables. */
function podSpec(spec: Omit<IPodSpec, 'securityContext'>): IPodSpec {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...spec,
  };
}

const tcpProbe = (port: string, overrides: Partial<IProbe>): IProbe => ({
  tcpSocket: { port },
  periodSeconds: 5,
  timeoutSeconds: 3,
  ...overrides,
});

function labels(name: string, role: Role): Record<string, string> {
  return { ...PART_OF, 'app.kubernetes.io/name': name, [SERVICE_LABEL]: name, [ROLE_LABEL]: role };
}

function deployment(
  namespace: string,
  name: string,
  role: Role,
  replicas: number,
  pod: IPodSpec,
  extra: Partial<NonNullable<IDeployment['spec']>> = {},
  annotations?: Record<string, string>,
): IDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: labels(name, role), ...(annotations ? { annotations } : {}) },
    spec: {
      replicas,
      selector: { matchLabels: { [SERVICE_LABEL]: name } },
      template: { metadata: { labels: labels(name, role) }, spec: pod },
      ...extra,
    },
  };
}

function service(namespace: string, name: string, role: Role, ports: { name: string; port: number }[]): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: labels(name, role) },
    spec: {
      type: 'ClusterIP',
      selector: { [SERVICE_LABEL]: name },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  };
}

/** The problems that keep a world out of Kubernetes (names), or none. */
export function kubernetesProblems(input: ComposeExportInput, namespace: string): Problem[] {
  const problems: Problem[] = [];
  input.world.services.forEach((s, i) => {
    if (kindOf(s).facts.compose.runs && !DNS_1035.test(s.id)) {
      problems.push({
        pointer: `/services/${i}/id`,
        message: `"${s.id}" must start with a letter to name a Kubernetes Service (RFC 1035), which its callers dial`,
      });
    }
  });
  if (!DNS_1123.test(namespace)) {
    problems.push({
      pointer: '',
      message: `the namespace "${namespace}" must be a DNS label of at most 63 characters: choose another one`,
    });
  }
  return problems;
}

/**
 * The NetworkPolicies of a world's namespace: deny every ingress, then let each callee admit exactly its linked
 * callers (one peer per admitted caller, on the mTLS port), dw-pki and the observer admit the world's pods.
 * A deny link, an intruder's link and no link at all admit nobody.
 */
export function networkPolicies(
  world: World,
  namespace: string,
  names: { pki: string; observer: string | null },
): INetworkPolicy[] {
  const policy = (name: string, spec: INetworkPolicy['spec']): INetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { ...PART_OF } },
    spec,
  });
  const members = { podSelector: { matchLabels: { [ROLE_LABEL]: 'member' } } };
  const tcp = (port: number): INetworkPolicyPort => ({ protocol: 'TCP', port });
  const policies = [policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })];
  for (const node of world.services) {
    if (kindOf(node).facts.callable !== true) continue;
    const callers = admittedCallers(world, node.id);
    policies.push(
      policy(`callers-of-${node.id}`, {
        podSelector: { matchLabels: { [SERVICE_LABEL]: node.id } },
        policyTypes: ['Ingress'],
        ingress:
          callers.length === 0
            ? []
            : [
                {
                  from: callers.map((caller) => ({ podSelector: { matchLabels: { [SERVICE_LABEL]: caller } } })),
                  ports: [tcp(COMPOSE_SERVICE_PORT)],
                },
              ],
      }),
    );
  }
  policies.push(
    policy(`members-to-${names.pki}`, {
      podSelector: { matchLabels: { [SERVICE_LABEL]: names.pki } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [members], ports: [tcp(ISSUER_PORT), tcp(ENROLL_PORT)] }],
    }),
  );
  if (names.observer) {
    policies.push(
      policy(`members-to-${names.observer}`, {
        podSelector: { matchLabels: { [SERVICE_LABEL]: names.observer } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [members], ports: [tcp(OBSERVER_PORT)] }],
      }),
    );
  }
  return policies;
}

export interface KubernetesExport {
  namespace: string;
  objects: KubernetesObject[];
  /** The observer's URL once `kubectl port-forward` runs, and that command; null without an observer. */
  observer: { url: string; portForward: string } | null;
  leftOut: ContainerPlan['leftOut'];
}

export function kubernetesForWorld(input: ComposeExportInput, options: KubernetesExportOptions = {}): KubernetesExport {
  const { worldId } = input;
  const namespace = options.namespace ?? `dw-${worldId}`;
  const problems = kubernetesProblems(input, namespace);
  if (problems.length > 0) throw new KubernetesExportError(problems);
  const plan = containerPlan(input, options);
  const { world, configs, ids, pkiName, observerName, leafLifetimeMs } = plan;
  const durable = new Set(plan.durable);
  const image = options.image ?? DEFAULT_IMAGE;
  const bootstrapToken = options.bootstrapToken ?? (() => randomBytes(32).toString('base64url'));
  const observerPort = options.observerPort ?? OBSERVER_HOST_PORT;
  const observerToken = options.observerToken ?? randomBytes(24).toString('base64url');
  const container = (c: IContainer): IContainer => ({
    imagePullPolicy: 'IfNotPresent',
    securityContext: CONTAINER_SECURITY,
    ...c,
  });

  const observer = observerName
    ? {
        url: `http://127.0.0.1:${observerPort}/?world=${worldId}#token=${observerToken}`,
        portForward: `kubectl -n ${namespace} port-forward service/${observerName} ${observerPort}:${OBSERVER_PORT}`,
      }
    : null;
  const nsAnnotations: Record<string, string> = { 'distributed-world/world': worldId };
  if (observer) nsAnnotations['distributed-world/observer'] = observer.url;
  if (plan.leftOut.length > 0) {
    nsAnnotations['distributed-world/left-out'] = plan.leftOut.map(({ id, why }) => `${id} (${why})`).join('; ');
  }
  const objects: KubernetesObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { ...PART_OF }, annotations: nsAnnotations },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: BOOTSTRAP_SECRET, namespace, labels: { ...PART_OF } },
      type: 'Opaque',
      stringData: Object.fromEntries(ids.map((id) => [id, bootstrapToken(id)])),
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: CA_CLAIM, namespace, labels: { ...PART_OF } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '16Mi' } },
        ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
      },
    },
  ];

  // The issuer: the CA on the claim (only this pod mounts it), every bootstrap token, renewals and enrollment.
  const pkiConfig: PkiConfig = {
    worldId,
    services: ids,
    caDir: CA_DIR,
    leafLifetimeMs,
    issuer: { name: pkiName, port: ISSUER_PORT },
    enrollment: { port: ENROLL_PORT, tokensDir: TOKEN_DIR },
  };
  const pkiScript = `${APP_DIR}/server/dist/compose-pki.js`;
  objects.push(
    deployment(
      namespace,
      pkiName,
      'issuer',
      1,
      podSpec({
        containers: [
          container({
            name: 'issuer',
            image,
            command: ['node', pkiScript],
            env: [{ name: PKI_CONFIG_ENV, value: literal(JSON.stringify(pkiConfig)) }],
            ports: [
              { name: 'renew', containerPort: ISSUER_PORT, protocol: 'TCP' },
              { name: 'enroll', containerPort: ENROLL_PORT, protocol: 'TCP' },
            ],
            readinessProbe: { exec: { command: ['node', pkiScript, '--check'] }, periodSeconds: 3, timeoutSeconds: 5 },
            livenessProbe: tcpProbe('renew', { initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 6 }),
            resources: ISSUER_RESOURCES,
            volumeMounts: [
              { name: 'ca', mountPath: CA_DIR },
              { name: 'bootstrap', mountPath: TOKEN_DIR, readOnly: true },
            ],
          }),
        ],
        volumes: [
          { name: 'ca', persistentVolumeClaim: { claimName: CA_CLAIM } },
          { name: 'bootstrap', secret: { secretName: BOOTSTRAP_SECRET, defaultMode: 0o400 } },
        ],
      }),
      // One pod at a time holds the claim (ReadWriteOnce).
      { strategy: { type: 'Recreate' } },
    ),
    service(namespace, pkiName, 'issuer', [
      { name: 'renew', port: ISSUER_PORT },
      { name: 'enroll', port: ENROLL_PORT },
    ]),
  );

  for (const config of configs) {
    const id = config.serviceId;
    const node = world.services.find((s) => s.id === id);
    if (!node) continue;
    const keepsData = durable.has(id);
    if (keepsData) {
      const claim: IPersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: dataVolumeOf(id), namespace, labels: { ...PART_OF, [SERVICE_LABEL]: id } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: DATA_STORAGE } },
          ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
        },
      };
      objects.push(claim);
    }
    const data: IVolume[] = keepsData ? [{ name: 'data', persistentVolumeClaim: { claimName: dataVolumeOf(id) } }] : [];
    const enrollConfig: EnrollConfig = {
      worldId,
      serviceId: id,
      url: `https://${pkiName}:${ENROLL_PORT}/enroll`,
      serverName: pkiName,
      tokenFile: `${TOKEN_DIR}/token`,
      identityDir: IDENTITY_DIR,
    };
    const identity: IVolume = { name: 'identity', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } };
    const token: IVolume = {
      name: 'bootstrap',
      secret: { secretName: BOOTSTRAP_SECRET, items: [{ key: id, path: 'token' }], defaultMode: 0o400 },
    };
    // Deployments always restart their pods: a world's "no" or "on-failure" is kept as a note only.
    const restart = restartOf(node);
    const annotations =
      restart && restart !== 'always'
        ? { 'distributed-world/restart': `${restart} (a Deployment restarts its pods always)` }
        : undefined;
    objects.push(
      deployment(
        namespace,
        id,
        'member',
        replicasOf(node),
        podSpec({
          initContainers: [
            container({
              name: 'enroll',
              image,
              command: ['node', `${APP_DIR}/server/dist/enroll.js`],
              env: [{ name: ENROLL_CONFIG_ENV, value: literal(JSON.stringify(enrollConfig)) }],
              resources: INIT_RESOURCES,
              volumeMounts: [
                { name: 'identity', mountPath: IDENTITY_DIR },
                { name: 'bootstrap', mountPath: TOKEN_DIR, readOnly: true },
              ],
            }),
          ],
          containers: [
            container({
              name: kindOf(node).kind,
              image,
              command: ['node', `${APP_DIR}/services/dist/main.js`],
              env: [{ name: SPAWN_CONFIG_ENV, value: literal(JSON.stringify(config)) }],
              ports: [{ name: 'mtls', containerPort: COMPOSE_SERVICE_PORT, protocol: 'TCP' }],
              // A bare TCP connection, as compose's healthcheck: not counted as a refusal.
              readinessProbe: tcpProbe('mtls', { periodSeconds: 2, failureThreshold: 3 }),
              livenessProbe: tcpProbe('mtls', { initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 6 }),
              resources: MEMBER_RESOURCES,
              // Read-write: the service renews into it (tls.key stays in this pod's memory-backed volume).
              volumeMounts: [
                { name: 'identity', mountPath: IDENTITY_DIR },
                ...(keepsData ? [{ name: 'data', mountPath: DATA_DIR }] : []),
              ],
            }),
          ],
          volumes: [identity, token, ...data],
        }),
        // One pod at a time holds a data claim (ReadWriteOnce).
        keepsData ? { strategy: { type: 'Recreate' } } : {},
        annotations,
      ),
      service(namespace, id, 'member', [{ name: 'mtls', port: COMPOSE_SERVICE_PORT }]),
    );
  }

  if (observerName) {
    const env = observerEnvironment(input, plan, observerToken, `http://127.0.0.1:${observerPort}`);
    objects.push(
      deployment(
        namespace,
        observerName,
        'observer',
        1,
        podSpec({
          containers: [
            container({
              name: 'observer',
              image,
              command: ['node', `${APP_DIR}/server/dist/standalone.js`],
              env: Object.entries(env).map(([name, value]) => ({ name, value: literal(value) })),
              ports: [{ name: 'http', containerPort: OBSERVER_PORT, protocol: 'TCP' }],
              readinessProbe: tcpProbe('http', { periodSeconds: 3 }),
              livenessProbe: tcpProbe('http', { initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 6 }),
              resources: OBSERVER_RESOURCES,
            }),
          ],
        }),
      ),
      service(namespace, observerName, 'observer', [{ name: 'http', port: OBSERVER_PORT }]),
    );
  }

  objects.push(...networkPolicies(world, namespace, { pki: pkiName, observer: observerName }));
  return { namespace, objects, observer, leftOut: plan.leftOut };
}

/** The manifests as one multi-document YAML, with a header that says how to apply them and open the live view. */
export function kubernetesYaml(input: ComposeExportInput, options: KubernetesExportOptions = {}): string {
  const exported = kubernetesForWorld(input, options);
  const header = [
    `# Distributed World "${input.world.name.replaceAll('\n', ' ')}" (${input.worldId}, rev ${input.rev}) on Kubernetes.`,
    '# Build the image from the repository root (npm run build; docker build -t distributed-world:latest .), make',
    '# it available to the cluster (push it, or e.g. kind load docker-image), then: kubectl apply -f <this file>',
    '# No private key is in this file: dw-pki creates the CA on its volume claim; each pod makes its key and enrolls',
    `# with its bootstrap token (Secret ${BOOTSTRAP_SECRET}). Ingress is denied in namespace ${exported.namespace}`,
    '# except along the links (NetworkPolicies: they need a network plugin that enforces them).',
    ...(exported.observer
      ? ['# The live view:', `#   ${exported.observer.portForward}`, `#   then open ${exported.observer.url}`]
      : []),
    ...(exported.leftOut.length > 0
      ? [`# Left out: ${exported.leftOut.map(({ id, why }) => `${id} (${why})`).join('; ')}`]
      : []),
    `# Remove it all: kubectl delete namespace ${exported.namespace}`,
    '',
  ].join('\n');
  const docs = exported.objects.map((o) =>
    stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' }),
  );
  return `${header}${docs.map((d) => `---\n${d}`).join('')}`;
}
