// A small padlock, drawn (emoji fonts are not everywhere): shown while a link's calls cross mutual TLS.
export function LockIcon({ className }: { className?: string }) {
  return (
    <svg className={className} width="9" height="11" viewBox="0 0 9 11" aria-hidden="true" focusable="false">
      <path d="M2 5V3.5a2.5 2.5 0 0 1 5 0V5" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <rect x="0.5" y="5" width="8" height="5.5" rx="1.2" fill="currentColor" />
    </svg>
  );
}
