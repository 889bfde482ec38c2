// The certificate a running node presents (read by the controller from a real TLS handshake with it), with a
// live countdown to its expiry, and the identities its links allow to call it. Public parts only.
import type { ServiceCertificate } from '@dw/world';
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

export function CertificatePanel({ id }: { id: string }) {
  const worldId = useEditor((s) => s.worldId);
  const rev = useEditor((s) => s.deployedRev);
  const ready = useTraffic((s) => s.services[id]?.state === 'ready');
  const [answer, setAnswer] = useState<ServiceCertificate | null>(null);
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

  if (!ready) return null;
  return (
    <section className="dw-inspector__section dw-cert" aria-label="Certificate" data-testid="certificate-panel">
      <h3 className="dw-section-title">Certificate</h3>
      {problem && <p className="dw-field__message">{problem}</p>}
      {!answer && !problem && <p className="dw-muted">Reading the certificate…</p>}
      {answer && (
        <>
          <ReadOnlyField label="Subject">{answer.certificate.subject}</ReadOnlyField>
          <ReadOnlyField label="Names">
            {[...answer.certificate.dnsNames.map((n) => `DNS ${n}`), ...answer.certificate.uris].map((n) => (
              <span key={n} className="dw-cert__name">
                {n}
              </span>
            ))}
          </ReadOnlyField>
          <ReadOnlyField label="Serial">
            <code className="dw-cert__code" data-testid="cert-serial">
              {answer.certificate.serial}
            </code>
          </ReadOnlyField>
          <ReadOnlyField label="Issuer">{answer.certificate.issuer}</ReadOnlyField>
          <ReadOnlyField label="Valid">
            {new Date(answer.certificate.notBefore).toLocaleString()} –{' '}
            {new Date(answer.certificate.notAfter).toLocaleString()}
          </ReadOnlyField>
          <ReadOnlyField label="Expires in">
            <Countdown notAfter={answer.certificate.notAfter} />
          </ReadOnlyField>
          <ReadOnlyField label="SHA-256">
            <code className="dw-cert__code dw-cert__fingerprint" data-testid="cert-fingerprint">
              {answer.certificate.fingerprint256}
            </code>
          </ReadOnlyField>
          <ReadOnlyField label="May call it">
            {answer.allowedCallers.length === 0 ? (
              <span className="dw-muted" data-testid="cert-callers">
                no one
              </span>
            ) : (
              <span data-testid="cert-callers">
                {answer.allowedCallers.map((c) => (
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
