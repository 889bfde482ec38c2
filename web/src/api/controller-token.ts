// The controller token, for a controller bound beyond loopback (remote mode). It prints its URL with
// `#token=<token>`: the fragment never reaches a server or a log. The editor keeps it for the tab's life
// (sessionStorage), removes it from the address bar, and sends it on every API call and socket.

const STORAGE_KEY = 'dw-controller-token';
let token: string | null = null;

/** Takes the token from the URL fragment (once, at startup) or from this tab's earlier visit. */
export function adoptControllerToken(): string | null {
  if (typeof window === 'undefined') return null;
  const fromHash = /^#token=([A-Za-z0-9_~.-]+)$/.exec(window.location.hash)?.[1];
  if (fromHash) {
    token = fromHash;
    try {
      window.sessionStorage.setItem(STORAGE_KEY, fromHash);
    } catch {
      // storage disabled: the token lives in memory until the tab reloads
    }
    const url = new URL(window.location.href);
    url.hash = '';
    window.history.replaceState(null, '', url);
    return token;
  }
  try {
    token = window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    token = null;
  }
  return token;
}

export function controllerToken(): string | null {
  return token;
}

/** The header that carries the token, or none on loopback. */
export function authorizationHeader(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
