// The certificate a running node presents (read by the controller from a real TLS handshake with it), with a
// live countdown to its expiry, and the identities its links allow to call it. A node that serves nothing (an
// intruder) has no server certificate: the panel says so, and shows the credential it calls with instead (what the
// controller issued it). Public parts only.
import {
  type CallerCredential,
  type CertificateInfo,
  credentialOf,
  type NodeCertificate,
  type ServiceCertificate,
  servesOf,
} from '@dw/world';
import { useEffect, useState } from 'react';
import { ApiError, httpClient } from '../api/http-client';
import { useEditor, useTraffic } from '../store/editor-context';
import { ReadOnlyField } from './fields';

/** How often the panel reads the certificate again (a renewal shows up within this). */
const REFRESH_MS = 15_000;

/** "23 h 59 min 58 s", "4 min 02 s", "9 s", or "expired 3 s ago". */
export function formatCountdown(ms: number): string {
  const past = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  let text = `${s} s`;
  if (d > 0) text = `${d} d ${h} h ${m} min`;
  else if (h > 0) text = `${h} h ${pad(m)} min ${pad(s)} s`;
  else if (m > 0) text = `${m} min ${pad(s)} s`;
  return past ? `expired ${text} ago` : text;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function Countdown({ notAfter }: { notAfter: string }) {
  const now = useNow(1000);
  const left = Date.parse(notAfter) - now;
  return (
    <span className={left < 0 ? 'dw-countdown dw-countdown--expired' : 'dw-countdown'} data-testid="cert-countdown">
      {formatCountdown(left)}
    </span>
  );
}

/** What a credential is, and what the services it calls make of it, in words. */
export function credentialWords(credential: CallerCredential['credential']): string {
  switch (credential) {
    case 'none':
      return 'no certificate at all: the services it calls refuse the handshake (no certificate)';
    case 'foreign-ca':
      return 'a certificate from a CA outside this world: the services it calls refuse it (unknown CA)';
    case 'expired':
      return "a certificate of this world's CA that has expired: the services it calls refuse it (expired)";
    case 'own':
      return 'a valid certificate in its own name: the handshake succeeds, and the services it calls refuse the call because no link allows it (not linked)';
  }
}

function CertificateFields({ certificate }: { certificate: CertificateInfo }) {
  return (
    <>
      <ReadOnlyField label="Subject">{certificate.subject}</ReadOnlyField>
      <ReadOnlyField label="Names">
        {[...certificate.dnsNames.map((n) => `DNS ${n}`), ...certificate.uris].map((n) => (
          <span key={n} className="dw-cert__name">
            {n}
          </span>
        ))}
      </ReadOnlyField>
      <ReadOnlyField label="Serial">
        <code className="dw-cert__code" data-testid="cert-serial">
          {certificate.serial}
        </code>
      </ReadOnlyField>
      <ReadOnlyField label="Issuer">{certificate.issuer}</ReadOnlyField>
      <ReadOnlyField label="Valid">
        {new Date(certificate.notBefore).toLocaleString()} – {new Date(certificate.notAfter).toLocaleString()}
      </ReadOnlyField>
      <ReadOnlyField label="Expires in">
        <Countdown notAfter={certificate.notAfter} />
      </ReadOnlyField>
      <ReadOnlyField label="SHA-256">
        <code className="dw-cert__code dw-cert__fingerprint" data-testid="cert-fingerprint">
          {certificate.fingerprint256}
        </code>
      </ReadOnlyField>
    </>
  );
}

export function CertificatePanel({ id }: { id: string }) {
  const worldId = useEditor((s) => s.worldId);
  const rev = useEditor((s) => s.deployedRev);
  const node = useEditor((s) => s.nodes.find((n) => n.id === id)?.data);
  const ready = useTraffic((s) => s.services[id]?.state === 'ready');
  const [answer, setAnswer] = useState<NodeCertificate | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setAnswer(null);
    setProblem(null);
    if (!worldId || rev === null || !ready) return;
    let cancelled = false;
    const read = () => {
      httpClient.serviceCertificate(worldId, id).then(
        (next) => {
          if (cancelled) return;
          setAnswer(next);
          setProblem(null);
        },
        (error: unknown) => {
          if (!cancelled) setProblem(error instanceof ApiError ? error.message : String(error));
        },
      );
    };
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [worldId, rev, ready, id]);

  if (!ready || !node) return null;
  // The drawing says whether it serves; what runs may be of an older revision, so the answer has the last word.
  const serves = answer ? !('serves' in answer) : servesOf(node);
  if (!serves) {
    const credential = answer && 'serves' in answer ? answer.credential : credentialOf(node);
    const presents = answer && 'serves' in answer ? answer.presents : null;
    return (
      <section className="dw-inspector__section dw-cert" aria-label="Certificate" data-testid="certificate-panel">
        <h3 className="dw-section-title">Certificate</h3>
        <p data-testid="cert-serves-nothing">
          {id} serves nothing: it listens for no one, so it has no server certificate to show.
        </p>
        <ReadOnlyField label="Calls with">
          <span data-testid="cert-credential" data-credential={credential}>
            {credentialWords(credential)}
          </span>
        </ReadOnlyField>
        {problem && <p className="dw-field__message">{problem}</p>}
        {presents && <CertificateFields certificate={presents} />}
      </section>
    );
  }
  const served = answer && !('serves' in answer) ? (answer as ServiceCertificate) : null;
  return (
    <section className="dw-inspector__section dw-cert" aria-label="Certificate" data-testid="certificate-panel">
      <h3 className="dw-section-title">Certificate</h3>
      {problem && <p className="dw-field__message">{problem}</p>}
      {!served && !problem && <p className="dw-muted">Reading the certificate…</p>}
      {served && (
        <>
          <CertificateFields certificate={served.certificate} />
          <ReadOnlyField label="May call it">
            {served.allowedCallers.length === 0 ? (
              <span className="dw-muted" data-testid="cert-callers">
                no one
              </span>
            ) : (
              <span data-testid="cert-callers">
                {served.allowedCallers.map((c) => (
                  <span key={c.spiffeId} className="dw-cert__name" title={c.spiffeId}>
                    {c.serviceId ?? c.spiffeId}
                  </span>
                ))}
              </span>
            )}
          </ReadOnlyField>
        </>
      )}
    </section>
  );
}
