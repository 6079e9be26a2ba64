/** The stable anonymous id /ws and the heartbeat count a viewer by, so several tabs count once. */

const STORAGE_KEY = 'streamhub.viewerId';
const VIEWER_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function viewerId(): string {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && VIEWER_ID.test(stored)) return stored;
    const fresh = randomViewerId();
    localStorage.setItem(STORAGE_KEY, fresh);
    return fresh;
  } catch {
    // Storage refused (private mode, blocked cookies): this tab still counts, just on its own.
    return randomViewerId();
  }
}

// getRandomValues, unlike randomUUID, exists outside secure contexts (a plain-http self-hosted gateway).
function randomViewerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `v_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
