import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { CONTROLLER_ID } from '@dw/world';
import { afterEach, describe, expect, it } from 'vitest';
import { createCA, describeCertificate, issueLeaf, issueLeafForKey, type KeyPairPem } from './index.js';

const HOUR = 3_600_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('createCA', () => {
  it('makes a self-signed P-256 CA valid for ten years with a PKCS#8 key', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toContain('shop');
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * 24 * HOUR);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('rejects a world id that cannot go into a SPIFFE id', async () => {
    await expect(createCA({ worldId: 'Not/A World' })).rejects.toThrow(/world id/);
  });
});

describe('issueLeaf', () => {
  it('issues a service leaf with DNS and SPIFFE SANs, both EKUs and a one-day validity', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const leaf = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const cert = new X509Certificate(leaf.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:orders, URI:spiffe://shop/orders');
    expect(cert.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    const notBefore = Date.parse(cert.validFrom);
    expect(Date.now() - notBefore).toBeGreaterThanOrEqual(50_000);
    expect(Date.now() - notBefore).toBeLessThan(70_000);
    expect(Date.parse(cert.validTo) - notBefore).toBe(24 * HOUR);
    expect(createPrivateKey(leaf.keyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
  });

  it('gives every leaf its own random positive serial', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const cert = new X509Certificate((await issueLeaf(ca, { worldId: 'shop', serviceId: 'a' })).certPem);
      expect(Number.parseInt(cert.serialNumber.slice(0, 1), 16)).toBeLessThan(8);
      serials.add(cert.serialNumber);
    }
    expect(serials.size).toBe(5);
  });

  it('gives the controller only its SPIFFE id, no DNS name', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const leaf = await issueLeaf(ca, { worldId: 'shop', serviceId: CONTROLLER_ID });
    expect(new X509Certificate(leaf.certPem).subjectAltName).toBe('URI:spiffe://shop/_controller');
  });

  it('honours notBefore and validityMs, so tests can make an expired certificate', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const notBefore = new Date(Date.now() - 48 * HOUR);
    const leaf = await issueLeaf(ca, { worldId: 'shop', serviceId: 'old', notBefore, validityMs: HOUR });
    const cert = new X509Certificate(leaf.certPem);
    expect(Date.parse(cert.validFrom)).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
    expect(Date.parse(cert.validTo)).toBeLessThan(Date.now());
  });

  it('refuses a service id that is not a DNS label', async () => {
    const ca = await createCA({ worldId: 'shop' });
    await expect(issueLeaf(ca, { worldId: 'shop', serviceId: 'Orders_1' })).rejects.toThrow(/DNS label/);
  });
});

describe('issueLeafForKey', () => {
  const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spkiPem = (key: ReturnType<typeof p256>['publicKey']) => key.export({ type: 'spki', format: 'pem' }).toString();

  it('binds the same leaf issueLeaf makes to a key the holder generated', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const { publicKey, privateKey } = p256();
    const certPem = await issueLeafForKey(ca, {
      worldId: 'shop',
      serviceId: 'orders',
      publicKeyPem: spkiPem(publicKey),
      validityMs: 2 * HOUR,
    });
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(privateKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:orders, URI:spiffe://shop/orders');
    expect(cert.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(2 * HOUR);
    // Same shape as issueLeaf's: compare everything but serial, key and dates.
    const reference = describeCertificate((await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' })).certPem);
    const info = describeCertificate(certPem);
    expect({ ...info, serial: '', fingerprint256: '', notBefore: '', notAfter: '' }).toEqual({
      ...reference,
      serial: '',
      fingerprint256: '',
      notBefore: '',
      notAfter: '',
    });
  });

  it('refuses a key that is not P-256, a private key, garbage, and a bad service id', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const opts = { worldId: 'shop', serviceId: 'orders' };
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const { privateKey } = p256();
    await expect(issueLeafForKey(ca, { ...opts, publicKeyPem: spkiPem(p384) })).rejects.toThrow(/P-256/);
    await expect(issueLeafForKey(ca, { ...opts, publicKeyPem: spkiPem(rsa) })).rejects.toThrow(/P-256/);
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(issueLeafForKey(ca, { ...opts, publicKeyPem: pkcs8 })).rejects.toThrow(/PUBLIC KEY/);
    await expect(issueLeafForKey(ca, { ...opts, publicKeyPem: 'hello' })).rejects.toThrow(/PUBLIC KEY/);
    const good = spkiPem(p256().publicKey);
    await expect(issueLeafForKey(ca, { ...opts, serviceId: 'Bad_Id', publicKeyPem: good })).rejects.toThrow(
      /DNS label/,
    );
  });
});

describe('describeCertificate', () => {
  it('reports names, dates, serial and fingerprint as node:crypto sees them', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const leaf = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const cert = new X509Certificate(leaf.certPem);
    const info = describeCertificate(leaf.certPem);
    expect(info).toEqual({
      subject: 'CN=orders, O=shop',
      issuer: 'CN=Distributed World CA shop, O=Distributed World',
      serial: cert.serialNumber,
      dnsNames: ['orders'],
      uris: ['spiffe://shop/orders'],
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      fingerprint256: cert.fingerprint256,
    });
  });
});

describe('mutual TLS with the issued identities', () => {
  let server: tls.Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  async function serve(ca: KeyPairPem, identity: KeyPairPem) {
    const refusals: (string | null | undefined)[] = [];
    const peers: string[] = [];
    server = tls.createServer(
      {
        cert: identity.certPem,
        key: identity.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
      },
      (socket) => {
        peers.push(socket.getPeerCertificate().subjectaltname ?? '');
        socket.end('hello');
      },
    );
    server.on('tlsClientError', (_err, socket) => refusals.push(socket.authorizationError?.toString() ?? null));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, refusals, peers };
  }

  /** Connects, and resolves with what the server said (empty when it hung up) or the client's error code. */
  function call(port: number, opts: tls.ConnectionOptions): Promise<{ data: string; error?: string }> {
    return new Promise((resolve) => {
      let data = '';
      const socket = tls.connect({ host: '127.0.0.1', port, ...opts });
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve({ data, error: err.code }));
      socket.on('close', () => resolve({ data }));
    });
  }

  it('completes a mutual handshake between two leaves of the same CA', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const orders = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const shopper = await issueLeaf(ca, { worldId: 'shop', serviceId: 'shopper' });
    const { port, peers } = await serve(ca, orders);
    const result = await call(port, {
      ca: ca.certPem,
      cert: shopper.certPem,
      key: shopper.keyPem,
      servername: 'orders',
    });
    expect(result).toEqual({ data: 'hello' });
    expect(peers).toEqual(['DNS:shopper, URI:spiffe://shop/shopper']);
  });

  it('rejects a client leaf of another CA, even with the same names', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const impostorCa = await createCA({ worldId: 'shop' });
    const orders = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const impostor = await issueLeaf(impostorCa, { worldId: 'shop', serviceId: 'shopper' });
    const { port, refusals, peers } = await serve(ca, orders);
    const result = await call(port, {
      ca: ca.certPem,
      cert: impostor.certPem,
      key: impostor.keyPem,
      servername: 'orders',
    });
    expect(result.data).toBe('');
    expect(peers).toEqual([]);
    expect(refusals).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });

  it('lets a client reject a server of another CA and a server with another name', async () => {
    const ca = await createCA({ worldId: 'shop' });
    const otherCa = await createCA({ worldId: 'shop' });
    const orders = await issueLeaf(ca, { worldId: 'shop', serviceId: 'orders' });
    const shopper = await issueLeaf(ca, { worldId: 'shop', serviceId: 'shopper' });
    const { port } = await serve(ca, orders);
    const identity = { cert: shopper.certPem, key: shopper.keyPem };
    expect(await call(port, { ...identity, ca: otherCa.certPem, servername: 'orders' })).toEqual({
      data: '',
      error: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(await call(port, { ...identity, ca: ca.certPem, servername: 'payments' })).toEqual({
      data: '',
      error: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });
});
