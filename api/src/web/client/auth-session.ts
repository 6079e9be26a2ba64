/**
 * The signed-in session of this browser: the token pair from login (or OAuth, or sign-up), kept in
 * localStorage so that every page and tab of the app is signed in, and renewed with the refresh flow
 * before the access token expires, so a viewer stays signed in (to chat, for one) as long as the
 * session lives. Refresh tokens are single use and a reused one revokes the whole session, so only one
 * tab refreshes at a time (Web Locks where the browser has them) and a tab that waited takes the pair
 * the other one stored instead of spending the spent token again.
 */
import type { TokenPair } from '@streamhub/contracts/auth';

const STORAGE_KEY = 'streamhub.session';
const LOCK_NAME = 'streamhub.session.refresh';
// Renew this long before expiry: a minute, or a quarter of a short lifetime.
const MAX_MARGIN_MS = 60_000;
// A failed renewal (network down, gateway restarting) is tried again after this.
const RETRY_MS = 5_000;

interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  /** Its lifetime in ms, for the renewal margin. */
  lifetime: number;
}

type Listener = (accessToken: string | undefined) => void;
const listeners = new Set<Listener>();
let timer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<string | undefined> | undefined;

function load(): StoredSession | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (
      typeof value.accessToken === 'string' &&
      typeof value.refreshToken === 'string' &&
      typeof value.expiresAt === 'number' &&
      typeof value.lifetime === 'number'
    ) {
      return value as StoredSession;
    }
  } catch {}
  return undefined;
}

function store(session: StoredSession | undefined): void {
  try {
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
  } catch {}
  schedule(session);
  for (const listener of listeners) listener(session?.accessToken);
}

const margin = (session: StoredSession) => Math.min(MAX_MARGIN_MS, session.lifetime / 4);
const fresh = (session: StoredSession) => session.expiresAt - Date.now() > margin(session);

function schedule(session: StoredSession | undefined): void {
  clearTimeout(timer);
  timer = undefined;
  if (!session) return;
  const due = Math.max(0, session.expiresAt - margin(session) - Date.now());
  timer = setTimeout(() => {
    void renew();
  }, due);
}

function retrySoon(): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    void renew();
  }, RETRY_MS);
}

/** Keeps a new token pair (from login, OAuth or a refresh) as this browser's session. */
export function saveTokens(pair: TokenPair): void {
  const lifetime = pair.expiresIn * 1000;
  store({
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + lifetime,
    lifetime,
  });
}

/** Forgets the session (signed out, or refused by the server). */
export function forgetSession(): void {
  store(undefined);
}

export function isSignedIn(): boolean {
  return load() !== undefined;
}

/**
 * Called with the new access token whenever it changes (renewed, signed in, signed in or out in
 * another tab), and with undefined when the session is gone. Starts the renewal timer.
 */
export function onSessionChange(listener: Listener): void {
  listeners.add(listener);
  if (listeners.size === 1) {
    schedule(load());
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      const session = load();
      schedule(session);
      for (const each of listeners) each(session?.accessToken);
    });
  }
}

/** A valid access token, renewed first if it is about to expire; undefined when signed out. */
export async function accessToken(): Promise<string | undefined> {
  const session = load();
  if (!session) return undefined;
  if (fresh(session)) return session.accessToken;
  return renew();
}

/**
 * Renews the pair, one tab at a time; undefined when the server ended the session. `refused` is an
 * access token the server just refused: renew even if the clock says it is still valid.
 */
function renew(refused?: string): Promise<string | undefined> {
  if (refreshing) return refreshing;
  const run = () => refreshStored(refused);
  const locked = async () => await navigator.locks.request(LOCK_NAME, run);
  const started = ('locks' in navigator ? locked() : run()).finally(() => {
    refreshing = undefined;
  });
  refreshing = started;
  return started;
}

async function refreshStored(refused: string | undefined): Promise<string | undefined> {
  // Read again under the lock: another tab may have renewed (and spent the old refresh token).
  const session = load();
  if (!session) return undefined;
  if (session.accessToken !== refused && fresh(session)) {
    schedule(session);
    return session.accessToken;
  }
  let response: Response;
  try {
    response = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
  } catch {
    // Offline for now: keep the session and try again soon (the access token may still be valid).
    retrySoon();
    return session.expiresAt > Date.now() ? session.accessToken : undefined;
  }
  if (response.status === 401 || response.status === 403) {
    forgetSession();
    return undefined;
  }
  if (!response.ok) {
    retrySoon();
    return session.expiresAt > Date.now() ? session.accessToken : undefined;
  }
  saveTokens((await response.json()) as TokenPair);
  return load()?.accessToken;
}

/** `fetch` with the session's bearer token; a 401 renews once and tries again. */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = (token: string | undefined) =>
    fetch(path, {
      ...init,
      headers: { ...init.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
  const token = await accessToken();
  const response = await send(token);
  if (response.status !== 401 || !token) return response;
  // Refused although the clock said valid (a sleeping laptop, a skewed clock): renew and try once more.
  const renewed = await renew(token);
  return renewed ? send(renewed) : response;
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function signOut(): Promise<void> {
  const token = await accessToken();
  forgetSession();
  if (!token) return;
  await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(
    () => undefined,
  );
}
