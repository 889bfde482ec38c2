// A world CA and leaves on disk in a temp dir, for chains started outside the controller.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';

export interface LeafFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
  pem: KeyPairPem;
  caPem: string;
}

export class BenchPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
  private constructor(
    readonly worldId: string,
    private readonly ca: KeyPairPem,
  ) {
    writeFileSync(join(this.dir, 'ca.pem'), ca.certPem);
  }

  static async create(worldId: string): Promise<BenchPki> {
    return new BenchPki(worldId, await createCA({ worldId }));
  }

  async leaf(serviceId: string): Promise<LeafFiles> {
    const pem = await issueLeaf(this.ca, { worldId: this.worldId, serviceId });
    const certFile = join(this.dir, `${serviceId}.crt`);
    const keyFile = join(this.dir, `${serviceId}.key`);
    writeFileSync(certFile, pem.certPem);
    writeFileSync(keyFile, pem.keyPem, { mode: 0o600 });
    return { certFile, keyFile, caFile: join(this.dir, 'ca.pem'), pem, caPem: this.ca.certPem };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
