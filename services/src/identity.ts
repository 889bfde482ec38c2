import { readFileSync } from 'node:fs';
import type { SpawnConfig } from '@dw/world';

/** The PEMs this process presents and trusts. The key never leaves this object (and is never logged). */
export interface IdentityPem {
  /** Absent only for an intruder that calls without a certificate (mode no-cert). */
  cert?: string;
  key?: string;
  ca: string;
}

/** Reads the identity files; throws an error naming the file that could not be read. */
export function readIdentity(identity: SpawnConfig['identity']): IdentityPem {
  const read = (pointer: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`${pointer}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const pem: IdentityPem = { ca: read('/identity/caFile', identity.caFile) };
  if (identity.certFile !== undefined) pem.cert = read('/identity/certFile', identity.certFile);
  if (identity.keyFile !== undefined) pem.key = read('/identity/keyFile', identity.keyFile);
  return pem;
}
