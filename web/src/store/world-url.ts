// The open world's id lives in the URL (?world=<id>, or #/w/<id>) so a reload keeps it.

export function readWorldIdFromUrl(): string | null {
  if (typeof window === 'undefined') return null;
  const fromQuery = new URLSearchParams(window.location.search).get('world');
  if (fromQuery) return fromQuery;
  const fromHash = /^#\/w\/([^/?#]+)/.exec(window.location.hash);
  return fromHash?.[1] ? decodeURIComponent(fromHash[1]) : null;
}

export function writeWorldIdToUrl(id: string | null): void {
  if (typeof window === 'undefined') return;
  const url = new URL(window.location.href);
  if (url.searchParams.get('world') === id && !url.hash) return;
  if (id === null) url.searchParams.delete('world');
  else url.searchParams.set('world', id);
  url.hash = '';
  window.history.replaceState(null, '', url);
}
