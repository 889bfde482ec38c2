// Identities on disk. Each world has one certificate authority, created on its first deploy and kept in
// <data>/pki/<world>/ (ca.crt, ca.key, mode 0600, dir 0700). Each deploy issues fresh leaves for every
// service and one for the controller into the deployment's own dir, removed when the deployment stops.
// Private keys are written to files readable only by their owner and never logged or returned.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLOCK_SKEW_MS, createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { CONTROLLER_ID, type Credential, type CredentialIdentity, type Identity } from '@dw/world';
import { ensurePrivateDir, writeFileAtomic } from '../storage/atomic-write.js';
import type { TlsIdentity } from './mtls.js';

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The world's CA: read from `dir`, or created and saved there the first time. */
export async function loadOrCreateCA(dir: string, worldId: string): Promise<KeyPairPem> {
  await ensurePrivateDir(dir);
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certPem !== null && keyPem !== null) return { certPem, keyPem };
  if (certPem !== null || keyPem !== null) {
    throw new Error(
      `the certificate authority in ${dir} is incomplete (${certPem === null ? 'ca.crt' : 'ca.key'} is missing); ` +
        'restore it, or remove the directory to let a new CA be created',
    );
  }
  const ca = await createCA({ worldId });
  await writeFileAtomic(keyFile, ca.keyPem, { mode: 0o600 });
  await writeFileAtomic(certFile, ca.certPem, { mode: 0o600 });
  return ca;
}

export interface DeploymentIdentities {
  /** Per service id, the files its spawn config points at. */
  services: Map<string, Identity>;
  /** The controller's identity in this world, kept in memory for /_dw probes. */
  controller: TlsIdentity;
}

/** Issues a fresh leaf per service and one for the controller, writing them into `dir` (created 0700). */
export async function issueDeploymentIdentities(
  ca: KeyPairPem,
  worldId: string,
  serviceIds: readonly string[],
  dir: string,
  /** How long each leaf is valid from now (default: pki's 24 h). */
  lifetimeMs?: number,
  /** Told as soon as each service's leaf and key are on disk. */
  onIssued?: (serviceId: string, certPem: string) => void,
): Promise<DeploymentIdentities> {
  const validityMs = lifetimeMs === undefined ? undefined : lifetimeMs + CLOCK_SKEW_MS;
  await ensurePrivateDir(dir);
  const caFile = join(dir, 'ca.crt');
  await writeFileAtomic(caFile, ca.certPem, { mode: 0o644 });
  const services = new Map<string, Identity>();
  await Promise.all(
    serviceIds.map(async (serviceId) => {
      const leaf = await issueLeaf(ca, { worldId, serviceId, validityMs });
      const certFile = join(dir, `${serviceId}.crt`);
      const keyFile = join(dir, `${serviceId}.key`);
      await writeFileAtomic(keyFile, leaf.keyPem, { mode: 0o600 });
      await writeFileAtomic(certFile, leaf.certPem, { mode: 0o644 });
      services.set(serviceId, { certFile, keyFile, caFile });
      onIssued?.(serviceId, leaf.certPem);
    }),
  );
  const controller = await issueLeaf(ca, { worldId, serviceId: CONTROLLER_ID, validityMs });
  return { services, controller: { certPem: controller.certPem, keyPem: controller.keyPem, caPem: ca.certPem } };
}

/** How long ago an expired intruder's certificate stopped being valid, and how long it was valid. */
const EXPIRED_AGO_MS = 60 * 60_000;

/**
 * The credential a node attacks with (an intruder's; its kind says which: credentialOf), written into the
 * deployment's dir like any identity: none gets only the world CA (to trust the services it calls); foreign-ca a
 * leaf of a throwaway CA that is never saved or trusted; expired a leaf of the world CA that expired an hour ago;
 * own a valid leaf of its own id (an impostor's names are its own, not the service it impersonates).
 */
export async function issueCredential(
  ca: KeyPairPem,
  worldId: string,
  intruder: { id: string; credential: Credential },
  dir: string,
): Promise<CredentialIdentity> {
  await ensurePrivateDir(dir);
  const caFile = join(dir, 'ca.crt');
  await writeFileAtomic(caFile, ca.certPem, { mode: 0o644 });
  if (intruder.credential === 'none') return { caFile };
  let leaf: KeyPairPem;
  if (intruder.credential === 'foreign-ca') {
    const outsider = await createCA({ worldId: 'outside-the-world' });
    leaf = await issueLeaf(outsider, { worldId, serviceId: intruder.id });
  } else if (intruder.credential === 'expired') {
    leaf = await issueLeaf(ca, {
      worldId,
      serviceId: intruder.id,
      notBefore: new Date(Date.now() - 2 * EXPIRED_AGO_MS),
      validityMs: EXPIRED_AGO_MS,
    });
  } else {
    leaf = await issueLeaf(ca, { worldId, serviceId: intruder.id });
  }
  const certFile = join(dir, `${intruder.id}.crt`);
  const keyFile = join(dir, `${intruder.id}.key`);
  await writeFileAtomic(keyFile, leaf.keyPem, { mode: 0o600 });
  await writeFileAtomic(certFile, leaf.certPem, { mode: 0o644 });
  return { certFile, keyFile, caFile };
}
