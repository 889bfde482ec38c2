// Provisioning: the identities a deploy issues before anything starts. Members get a leaf of the world's CA in
// their own name; a node that attacks with a credential of its own (an intruder) gets what its config says. Each
// issuance is reported as the service's identity-issued step, with the leaf's serial and end of validity.
import { readFile } from 'node:fs/promises';
import { describeCertificate, type KeyPairPem } from '@dw/pki';
import {
  type CredentialIdentity,
  credentialOf,
  type DeployProgressEvent,
  type Identity,
  isMember,
  leafLifetimeMsOf,
  type World,
} from '@dw/world';
import { issueCredential, issueDeploymentIdentities } from './identities.js';
import type { TlsIdentity } from './mtls.js';

/** What a step says about a service besides its name: a leaf's serial and notAfter, or why it has none. */
export type StepFacts = Pick<DeployProgressEvent, 'serial' | 'notAfter' | 'detail'>;

/** What the identity-issued step says about a new leaf (or that there is none, for a no-cert intruder). */
export function leafFacts(certPem: string | null): StepFacts {
  if (certPem === null) return { detail: 'no certificate: this intruder presents none' };
  const { serial, notAfter } = describeCertificate(certPem);
  return { serial, notAfter };
}

export interface Provisioned {
  /** An Identity per member, a CredentialIdentity per node that attacks with its own. */
  identities: Map<string, Identity | CredentialIdentity>;
  /** The controller's identity in the world (to probe and steer the services), issued with them. */
  controller: TlsIdentity;
}

/**
 * Issues the identities of the nodes `ids` of `world` into `dir`, from `ca`; `issued` hears of each one as it is
 * written. The nodes of `ids` that are not in `world` are ignored.
 */
export async function provision(input: {
  ca: KeyPairPem;
  worldId: string;
  world: World;
  ids: readonly string[];
  dir: string;
  issued: (serviceId: string, facts: StepFacts) => void;
}): Promise<Provisioned> {
  const { ca, worldId, world, dir, issued } = input;
  const wanted = new Set(input.ids);
  const nodes = world.services.filter((s) => wanted.has(s.id));
  const members = nodes.filter(isMember).map((s) => s.id);
  const leaves = await issueDeploymentIdentities(ca, worldId, members, dir, leafLifetimeMsOf(world), (id, certPem) =>
    issued(id, leafFacts(certPem)),
  );
  const identities = new Map<string, Identity | CredentialIdentity>(leaves.services);
  for (const node of nodes) {
    if (isMember(node)) continue;
    const identity = await issueCredential(ca, worldId, { id: node.id, credential: credentialOf(node) }, dir);
    issued(node.id, leafFacts(identity.certFile ? await readFile(identity.certFile, 'utf8') : null));
    identities.set(node.id, identity);
  }
  return { identities, controller: leaves.controller };
}
