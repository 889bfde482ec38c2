import { X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { CONTROLLER_ID, serviceIdFromSpiffe, spiffeId } from '@dw/world';

/** Who is calling, from the SPIFFE id in the verified client certificate. */
export type Caller =
  | { kind: 'controller' }
  | { kind: 'linked'; id: string }
  /** `from` is the service id for one of this world, the full URI for another world, null when there is none. */
  | { kind: 'unlinked'; from: string | null };

/** The URI SANs of a certificate as Node prints them ("DNS:a, URI:spiffe://w/a"). */
export function uriSans(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(', ')
    .filter((n) => n.startsWith('URI:'))
    .map((n) => n.slice(4));
}

/** Classifies callers once per TLS connection (a kept-alive connection carries many requests). */
export function callerClassifier(worldId: string, allowedCallers: readonly string[]) {
  const allowed = new Set(allowedCallers);
  const controller = spiffeId(worldId, CONTROLLER_ID);
  const cache = new WeakMap<TLSSocket, Caller>();
  const classify = (socket: TLSSocket): Caller => {
    const uris = uriSans(socket.getPeerCertificate().subjectaltname).filter((u) => u.startsWith('spiffe://'));
    if (uris.includes(controller)) return { kind: 'controller' };
    for (const uri of uris) {
      if (allowed.has(uri)) return { kind: 'linked', id: serviceIdFromSpiffe(worldId, uri) ?? uri };
    }
    const first = uris[0];
    return { kind: 'unlinked', from: first === undefined ? null : (serviceIdFromSpiffe(worldId, first) ?? first) };
  };
  return (socket: TLSSocket): Caller => {
    let caller = cache.get(socket);
    if (!caller) {
      caller = classify(socket);
      cache.set(socket, caller);
    }
    return caller;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Open connections under the current trust. TLS verifies a peer once, at the handshake; a kept-alive connection
// then lives as long as it is used. So the server re-checks its open connections itself: each is closed once its
// peer's certificate expires (a timer at its notAfter, and a check on every request), and whenever the trust
// bundle changes (the last step of a CA rotation drops the old CA) every open connection's presented chain is
// verified again against the new bundle. A connection that fails is closed without cutting a request in flight:
// an idle one at once, a busy one after its answers (sent with `connection: close`), at most CUT_GRACE_MS later.

/** Why an open connection was closed: its peer's chain no longer leads to a trusted CA, or it expired. */
export type CutReason = 'unknown-ca' | 'expired';

/** How long the requests in flight on a connection being closed may still take before it is destroyed. */
export const CUT_GRACE_MS = 10_000;
/**
 * A handshake that began before the trust changed was verified against the old bundle: connections that open
 * within this long after a change (Node's TLS handshake timeout) are verified again when they arrive.
 */
const HANDSHAKE_TIMEOUT_MS = 120_000;
/** Longest setTimeout delay; a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A chain longer than this is not followed (the world's leaves hang directly under their CA). */
const MAX_CHAIN = 8;

const CERT_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle (a CA file holds one, or two during a rotation). */
export function parseBundle(pem: string): X509Certificate[] {
  return (pem.match(CERT_PEM) ?? []).map((block) => new X509Certificate(block));
}

const notAfterOf = (cert: X509Certificate) => Date.parse(cert.validTo);
const validAt = (cert: X509Certificate, now: number) => Date.parse(cert.validFrom) <= now && now <= notAfterOf(cert);

export type ChainVerdict = { ok: true; validUntil: number } | { ok: false; reason: CutReason };

/**
 * Verifies a presented chain (the leaf first, then what the peer sent or the handshake found above it) against
 * trust anchors, at `now`: each link must be signed by the next, every certificate on the path must be within
 * its validity period, and the path must end at a certificate signed by one of `trust` (which must be valid too).
 * `validUntil` is the first notAfter on that path.
 */
export function verifyChain(
  chain: readonly X509Certificate[],
  trust: readonly X509Certificate[],
  now: number,
): ChainVerdict {
  let validUntil = Number.POSITIVE_INFINITY;
  for (let i = 0; i < Math.min(chain.length, MAX_CHAIN); i++) {
    const cert = chain[i] as X509Certificate;
    if (!validAt(cert, now)) return { ok: false, reason: 'expired' };
    validUntil = Math.min(validUntil, notAfterOf(cert));
    const anchor = trust.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (anchor) {
      if (!validAt(anchor, now)) return { ok: false, reason: 'expired' };
      return { ok: true, validUntil: Math.min(validUntil, notAfterOf(anchor)) };
    }
    const parent = chain[i + 1];
    if (!parent?.ca || !cert.checkIssued(parent) || !cert.verify(parent.publicKey)) break;
  }
  return { ok: false, reason: 'unknown-ca' };
}

/** The chain a TLS socket's peer is known by: its certificate, then each issuer above it (as the handshake built it). */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert?.raw && chain.length < MAX_CHAIN && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** One open inbound connection. */
export interface Inbound {
  readonly socket: TLSSocket;
  /** Epoch ms after which its peer's certificate is no longer valid (its notAfter, or an earlier one above it). */
  validUntil: number;
  /** Answers not yet sent: they still go out when the connection is cut, with `connection: close`. */
  readonly responses: Set<ServerResponse>;
  cut: CutReason | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class InboundConnections {
  private readonly open = new Map<TLSSocket, Inbound>();
  private caPem: string;
  private trust: X509Certificate[];
  /** Until when a new connection may have been verified against a bundle that is no longer the current one. */
  private recheckUntil = 0;

  constructor(
    caPem: string,
    /** Told once per connection closed for the reason given (the socket is still readable then). */
    private readonly onCut: (socket: TLSSocket, reason: CutReason) => void,
  ) {
    this.caPem = caPem;
    this.trust = parseBundle(caPem);
  }

  /** How many connections are open. */
  get size(): number {
    return this.open.size;
  }

  /** A connection whose handshake succeeded (the server's `secureConnection`). */
  track(socket: TLSSocket): void {
    const leaf = socket.getPeerX509Certificate();
    const conn: Inbound = {
      socket,
      validUntil: leaf ? notAfterOf(leaf) : 0,
      responses: new Set(),
      cut: undefined,
      timer: undefined,
    };
    this.open.set(socket, conn);
    socket.once('close', () => {
      clearTimeout(conn.timer);
      this.open.delete(socket);
    });
    if (!leaf) this.cutOff(conn, 'unknown-ca');
    else if (Date.now() >= this.recheckUntil) this.arm(conn);
    else this.recheck(conn);
  }

  /**
   * The connection a request arrived on, while its peer's certificate is valid; undefined when it is not (the
   * connection is then being closed, and the request must not be served).
   */
  admit(socket: TLSSocket): Inbound | undefined {
    const conn = this.open.get(socket);
    if (conn === undefined || conn.cut !== undefined) return undefined;
    if (Date.now() > conn.validUntil) {
      this.cutOff(conn, 'expired');
      return undefined;
    }
    return conn;
  }

  /** A request admitted on `conn` was answered (or gave up): a cut connection closes after its last answer. */
  settled(conn: Inbound, res: ServerResponse): void {
    conn.responses.delete(res);
    if (conn.cut !== undefined && conn.responses.size === 0) conn.socket.end();
  }

  /**
   * The trust bundle changed (an identity reload): every open connection is verified again against it, and those
   * that fail are closed. Returns how many were.
   */
  retrust(caPem: string): number {
    if (caPem === this.caPem) return 0;
    this.caPem = caPem;
    this.trust = parseBundle(caPem);
    this.recheckUntil = Date.now() + HANDSHAKE_TIMEOUT_MS;
    let cut = 0;
    for (const conn of [...this.open.values()]) {
      if (conn.cut === undefined && !this.recheck(conn)) cut++;
    }
    return cut;
  }

  /** Verifies one connection against the current trust; cuts it and answers false when it fails. */
  private recheck(conn: Inbound): boolean {
    const verdict = verifyChain(peerChain(conn.socket), this.trust, Date.now());
    if (!verdict.ok) {
      this.cutOff(conn, verdict.reason);
      return false;
    }
    conn.validUntil = verdict.validUntil;
    this.arm(conn);
    return true;
  }

  private arm(conn: Inbound): void {
    clearTimeout(conn.timer);
    const delay = Math.min(Math.max(0, conn.validUntil + 1 - Date.now()), MAX_TIMER_MS);
    conn.timer = setTimeout(() => {
      if (conn.cut !== undefined) return;
      if (Date.now() > conn.validUntil) this.cutOff(conn, 'expired');
      else this.arm(conn);
    }, delay);
    conn.timer.unref();
  }

  private cutOff(conn: Inbound, reason: CutReason): void {
    if (conn.cut !== undefined) return;
    conn.cut = reason;
    clearTimeout(conn.timer);
    this.onCut(conn.socket, reason);
    if (conn.responses.size === 0) {
      conn.socket.destroy();
      return;
    }
    for (const res of conn.responses) if (!res.headersSent) res.setHeader('connection', 'close');
    conn.timer = setTimeout(() => conn.socket.destroy(), CUT_GRACE_MS);
    conn.timer.unref();
  }
}
