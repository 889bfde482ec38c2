// The identity files: a pair that does not match is never loaded (read again instead), and a pair is written as
// one unit. With real certificates, in a temporary directory.
import { lstatSync, mkdtempSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueLeaf, type KeyPairPem } from '@dw/pki';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPair, IdentityMismatchError, loadIdentity, readIdentity, writeIdentityPair } from './identity.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<{
  dir: string;
  files: { certFile: string; keyFile: string; caFile: string };
  a: KeyPairPem;
  b: KeyPairPem;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-identity-test-'));
  dirs.push(dir);
  const ca = await createCA({ worldId: 'w' });
  const a = await issueLeaf(ca, { worldId: 'w', serviceId: 'orders' });
  const b = await issueLeaf(ca, { worldId: 'w', serviceId: 'orders' });
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  writeFileSync(files.caFile, ca.certPem);
  return { dir, files, a, b };
}

describe('identity files', () => {
  it("refuses a certificate that is not the key's, and loads it once the pair matches again", async () => {
    const { files, a, b } = await setup();
    // The key of one renewal and the certificate of another: what two interleaved writers leave behind.
    writeFileSync(files.keyFile, a.keyPem);
    writeFileSync(files.certFile, b.certPem);
    expect(() => checkPair(b.certPem, a.keyPem)).toThrow(IdentityMismatchError);
    expect(() => readIdentity(files)).toThrow(
      /tls\.crt and .*tls\.key: the certificate does not belong to the private key/,
    );
    // A reader waits for the pair to match (a writer completing), and never returns the mismatched one.
    const loading = loadIdentity(files);
    setTimeout(() => writeIdentityPair(files, b), 100);
    const loaded = await loading;
    expect([loaded.cert, loaded.key]).toEqual([b.certPem, b.keyPem]);
  });

  it('writes key and certificate as one unit behind one link, and removes old generations', async () => {
    const { dir, files, a, b } = await setup();
    writeFileSync(files.keyFile, a.keyPem);
    writeFileSync(files.certFile, a.certPem);
    writeIdentityPair(files, b);
    // The paths stay; they lead through one link to the generation just written.
    expect(lstatSync(files.keyFile).isSymbolicLink()).toBe(true);
    expect(readlinkSync(files.keyFile)).toBe('.current/tls.key');
    expect(readlinkSync(files.certFile)).toBe('.current/tls.crt');
    expect(readIdentity(files)).toMatchObject({ cert: b.certPem, key: b.keyPem });
    expect(lstatSync(join(dir, '.current', 'tls.key')).mode & 0o777).toBe(0o600);
    const first = readlinkSync(join(dir, '.current'));
    // Another renewal: a new generation; the old one stays while it is recent, and goes once it is old.
    writeIdentityPair(files, a);
    expect(readIdentity(files)).toMatchObject({ cert: a.certPem, key: a.keyPem });
    expect((await readdir(dir)).filter((n) => n.startsWith('.gen-'))).toHaveLength(2);
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, first), old, old);
    writeIdentityPair(files, b);
    const generations = (await readdir(dir)).filter((n) => n.startsWith('.gen-'));
    expect(generations).toHaveLength(2);
    expect(generations).not.toContain(first);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // A pair that does not match is not written at all.
    expect(() => writeIdentityPair(files, { certPem: a.certPem, keyPem: b.keyPem })).toThrow(IdentityMismatchError);
    expect(readIdentity(files)).toMatchObject({ cert: b.certPem, key: b.keyPem });
  });
});
