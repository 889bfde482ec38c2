// The identity files of a service: read (with the certificate checked against the key), and, for a process that
// renews its own leaf, written so that the key and the certificate change together.
//
// Copies of one service can share one identity directory (the replicas of a compose service share one volume),
// and each renews it. Two renames (key, then certificate) of two writers can interleave into the key of one and
// the certificate of the other, so a renewal instead writes both into a new directory of its own (a random name)
// and swaps a link to it in one rename:
//
//     tls.key -> .current/tls.key      tls.crt -> .current/tls.crt      .current -> .gen-<random>/
//
// The paths in the spawn config stay what they are. A reader can still open the key before a swap and the
// certificate after it, so every read checks the pair (the certificate's public key is the key's) and a reader
// that meets a mismatched pair reads again instead of loading it.
import { createPrivateKey, createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpawnConfig } from '@dw/world';

/** The PEMs this process presents and trusts. The key never leaves this object (and is never logged). */
export interface IdentityPem {
  /** Absent only for an intruder that calls without a certificate (mode no-cert). */
  cert?: string;
  key?: string;
  ca: string;
}

/** A certificate and a key that do not belong together (read in the middle of a renewal by another copy). */
export class IdentityMismatchError extends Error {}

/** Throws an IdentityMismatchError when the certificate's public key is not the key's. */
export function checkPair(certPem: string, keyPem: string, where = 'the identity'): void {
  const certKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  const ownKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  if (!certKey.equals(ownKey)) {
    throw new IdentityMismatchError(`${where}: the certificate does not belong to the private key`);
  }
}

/** Reads the identity files; throws an error naming the file that could not be read, or the pair that does not match. */
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
  if (pem.cert !== undefined && pem.key !== undefined) {
    checkPair(pem.cert, pem.key, `${identity.certFile} and ${identity.keyFile}`);
  }
  return pem;
}

/** How often, and how far apart, a read that met a mismatched pair is tried again. */
const READ_ATTEMPTS = 40;
const READ_RETRY_MS = 25;

/** readIdentity, read again (for up to about a second) while the pair on disk does not match. */
export async function loadIdentity(identity: SpawnConfig['identity']): Promise<IdentityPem> {
  for (let attempt = 1; ; attempt++) {
    try {
      return readIdentity(identity);
    } catch (error) {
      if (!(error instanceof IdentityMismatchError) || attempt >= READ_ATTEMPTS) throw error;
    }
    await sleep(READ_RETRY_MS);
  }
}

const CURRENT = '.current';
const GENERATION = '.gen-';
const TEMP = '.tmp';
/** A generation this much older than now and not current is removed (writers take milliseconds to swap). */
const STALE_MS = 60_000;

function writeSynced(file: string, content: string, mode: number): void {
  writeFileSync(file, content, { mode, flag: 'wx' });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Points `path` at `target` in one rename (over whatever was there: a file, or an older link). */
function replaceLink(path: string, target: string): void {
  const temp = `${path}.${randomUUID()}${TEMP}`;
  symlinkSync(target, temp);
  renameSync(temp, path);
}

/** Removes generations and temporary names other writers left behind long ago (never the current one). */
function removeStale(dir: string, keep: string): void {
  const current = linkTarget(join(dir, CURRENT));
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === keep || name === current) continue;
    if (!name.startsWith(GENERATION) && !name.endsWith(TEMP)) continue;
    try {
      if (now - lstatSync(join(dir, name)).mtimeMs > STALE_MS)
        rmSync(join(dir, name), { recursive: true, force: true });
    } catch {
      // another writer removed it first
    }
  }
}

/**
 * Writes a key and its certificate as one unit: into a new directory of their own, then one rename makes them
 * current together (the files at `certFile` and `keyFile` are links into it). Safe with several writers at once:
 * whichever swap comes last wins, and the pair is always one writer's. Both files must be in one directory.
 */
export function writeIdentityPair(
  files: { certFile: string; keyFile: string },
  pair: { certPem: string; keyPem: string },
): void {
  const dir = dirname(files.keyFile);
  if (dirname(files.certFile) !== dir) {
    throw new Error(`${files.certFile} and ${files.keyFile} must be in one directory to be replaced together`);
  }
  checkPair(pair.certPem, pair.keyPem, 'the new identity');
  const generation = `${GENERATION}${randomUUID()}`;
  mkdirSync(join(dir, generation), { mode: 0o700 });
  writeSynced(join(dir, generation, basename(files.keyFile)), pair.keyPem, 0o600);
  writeSynced(join(dir, generation, basename(files.certFile)), pair.certPem, 0o644);
  syncDir(join(dir, generation));
  replaceLink(join(dir, CURRENT), generation);
  // The first time (files written one by one before), the files become links through `.current`.
  for (const file of [files.keyFile, files.certFile]) {
    const target = `${CURRENT}/${basename(file)}`;
    if (linkTarget(file) !== target) replaceLink(file, target);
  }
  syncDir(dir);
  removeStale(dir, generation);
}

/** Writes one file next to its final place under a name no other writer uses, then renames it over. */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.${randomUUID()}${TEMP}`;
  writeSynced(temp, content, mode);
  renameSync(temp, file);
}
