// Identities on disk. Each world has one certificate authority, created on its first deploy and kept in
// <data>/pki/<world>/ (ca.crt, ca.key, mode 0600, dir 0700). Each deploy issues fresh leaves for every
// service and one for the controller into the deployment's own dir, removed when the deployment stops.
// Private keys are written to files readable only by their owner and never logged or returned.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { CONTROLLER_ID, type Identity } from '@dw/world';
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
): Promise<DeploymentIdentities> {
  await ensurePrivateDir(dir);
  const caFile = join(dir, 'ca.crt');
  await writeFileAtomic(caFile, ca.certPem, { mode: 0o644 });
  const services = new Map<string, Identity>();
  await Promise.all(
    serviceIds.map(async (serviceId) => {
      const leaf = await issueLeaf(ca, { worldId, serviceId });
      const certFile = join(dir, `${serviceId}.crt`);
      const keyFile = join(dir, `${serviceId}.key`);
      await writeFileAtomic(keyFile, leaf.keyPem, { mode: 0o600 });
      await writeFileAtomic(certFile, leaf.certPem, { mode: 0o644 });
      services.set(serviceId, { certFile, keyFile, caFile });
    }),
  );
  const controller = await issueLeaf(ca, { worldId, serviceId: CONTROLLER_ID });
  return { services, controller: { certPem: controller.certPem, keyPem: controller.keyPem, caPem: ca.certPem } };
}
